#!/usr/bin/env python3
"""Builds the ONNX models that model-server's tests serve, with fixed weights, so that the Java tests
can compute the expected outputs themselves.

    /usr/bin/python3 model-server/src/test/python/make_test_models.py   # Debian's python3-onnx

writes (next to each other, checked in):

    src/test/resources/models/digits/model.onnx
        input  "input"  FP32 [N, 64]  ->  output "scores" FP32 [N, 10]
        scores = input @ W + b with W[i][j] = ((7*i + 3*j) % 17 - 8) / 16 and b[j] = (j - 5) / 8
        (DigitsWeights in the tests computes the same numbers)

    src/test/resources/models/types/model.onnx
        one input and one output for every datatype the server supports; the numeric ones go through
        a real operator so that a test can tell that the model ran:
        int64_in  INT64 [N, 2]  -> int64_out = int64_in + 1
        int32_in  INT32 [2, 2]  -> int32_out = int32_in * 2        (fixed shape: for shape errors)
        fp64_in   FP64  [N]     -> fp64_out  = fp64_in * 0.5
        bool_in   BOOL  [N, 3]  -> bool_out  = not bool_in
        bytes_in  BYTES [N]     -> bytes_out = bytes_in            (Identity on a string tensor)
        fp16_in   FP16  [N]     -> fp16_out  = fp16_in
        uint8_in  UINT8 [N]     -> uint8_out = uint8_in
        int8_in   INT8  [N]     -> int8_out  = int8_in
        int16_in  INT16 [N]     -> int16_out = int16_in

Only the onnx helper API: no framework, no random numbers, so that a rerun writes the same files.
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "resources", "models")
OPSET = [helper.make_opsetid("", 13)]


def save(model, name):
    onnx.checker.check_model(model, full_check=True)
    directory = os.path.join(MODELS, name)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "model.onnx")
    onnx.save(model, path)
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


def digits():
    weights = [((7 * i + 3 * j) % 17 - 8) / 16 for i in range(64) for j in range(10)]
    bias = [(j - 5) / 8 for j in range(10)]
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W", "b"], ["scores"])],
        "digits",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 64])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 10])],
        initializer=[
            helper.make_tensor("W", TensorProto.FLOAT, [64, 10], weights),
            helper.make_tensor("b", TensorProto.FLOAT, [10], bias),
        ],
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="incline-tests", ir_version=8)


def types():
    def io(name, elem, shape):
        return helper.make_tensor_value_info(name, elem, shape)

    def scalar(name, elem, value):
        return helper.make_tensor(name, elem, [], [value])

    nodes = [
        helper.make_node("Add", ["int64_in", "one"], ["int64_out"]),
        helper.make_node("Mul", ["int32_in", "two"], ["int32_out"]),
        helper.make_node("Mul", ["fp64_in", "half"], ["fp64_out"]),
        helper.make_node("Not", ["bool_in"], ["bool_out"]),
        helper.make_node("Identity", ["bytes_in"], ["bytes_out"]),
        helper.make_node("Identity", ["fp16_in"], ["fp16_out"]),
        helper.make_node("Identity", ["uint8_in"], ["uint8_out"]),
        helper.make_node("Identity", ["int8_in"], ["int8_out"]),
        helper.make_node("Identity", ["int16_in"], ["int16_out"]),
    ]
    specs = [
        ("int64", TensorProto.INT64, ["N", 2]),
        ("int32", TensorProto.INT32, [2, 2]),
        ("fp64", TensorProto.DOUBLE, ["N"]),
        ("bool", TensorProto.BOOL, ["N", 3]),
        ("bytes", TensorProto.STRING, ["N"]),
        ("fp16", TensorProto.FLOAT16, ["N"]),
        ("uint8", TensorProto.UINT8, ["N"]),
        ("int8", TensorProto.INT8, ["N"]),
        ("int16", TensorProto.INT16, ["N"]),
    ]
    graph = helper.make_graph(
        nodes,
        "types",
        [io(f"{name}_in", elem, shape) for name, elem, shape in specs],
        [io(f"{name}_out", elem, shape) for name, elem, shape in specs],
        initializer=[
            scalar("one", TensorProto.INT64, 1),
            scalar("two", TensorProto.INT32, 2),
            scalar("half", TensorProto.DOUBLE, 0.5),
        ],
    )
    return helper.make_model(graph, opset_imports=OPSET, producer_name="incline-tests", ir_version=8)


if __name__ == "__main__":
    save(digits(), "digits")
    save(types(), "types")
