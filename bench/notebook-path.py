#!/usr/bin/python3
"""A notebook through the gateway, against a running platform (./incline up): how long a notebook takes
from create to Running, then N round trips of a tiny cell (`1+1`) over the kernel WebSocket and N GETs
of Jupyter's /api/status, both through the gateway with an API key (gateway -> notebook-service ->
Jupyter), with p50/p99. Needs Debian's python3-tornado (jupyter-notebook depends on it).

  bench/notebook-path.py http://127.0.0.1:8080 "$(cat ~/.incline/admin-api-key)" <projectId> [N=300]
"""
import asyncio, json, statistics, sys, time, urllib.request, uuid
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

base, key, project = sys.argv[1], sys.argv[2], sys.argv[3]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
auth = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}


def call(method, path, body=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), headers=auth, method=method)
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text else None


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


t0 = time.monotonic()
nb = call("POST", "/api/v1/notebooks", {"projectId": project, "name": "bench-" + uuid.uuid4().hex[:8]})["id"]
while call("GET", "/api/v1/notebooks/" + nb)["status"] != "Running":
    time.sleep(0.05)
started = time.monotonic() - t0
kernel = call("POST", "/notebooks/%s/api/kernels" % nb, {"name": "python3"})["id"]


async def cells():
    ws = await websocket_connect(HTTPRequest(base.replace("http", "ws", 1) + "/notebooks/%s/api/kernels/%s/channels?session_id=bench" % (nb, kernel),
                                             headers={"Authorization": "Bearer " + key}))
    out = []
    for i in range(n + 20):
        mid = str(uuid.uuid4())
        t = time.monotonic()
        ws.write_message(json.dumps({"header": {"msg_id": mid, "username": "bench", "session": "bench", "msg_type": "execute_request", "version": "5.3"},
                                     "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
                                     "content": {"code": "1+1", "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}}))
        while True:
            msg = json.loads(await ws.read_message())
            if msg.get("parent_header", {}).get("msg_id") == mid and msg.get("msg_type") == "execute_reply":
                break
        if i >= 20:
            out.append(time.monotonic() - t)
    ws.close()
    return out


ws_times = asyncio.run(cells())
http_times = []
for i in range(n + 20):
    t = time.monotonic()
    call("GET", "/notebooks/%s/api/status" % nb)
    if i >= 20:
        http_times.append(time.monotonic() - t)
call("DELETE", "/api/v1/notebooks/" + nb)
print("create -> Running: %.2f s" % started)
print("cell 1+1 over the kernel WebSocket (execute_request -> execute_reply), n=%d: p50 %.2f ms, p99 %.2f ms" % (n, pct(ws_times, 50) * 1e3, pct(ws_times, 99) * 1e3))
print("GET /api/status through the gateway, n=%d: p50 %.2f ms, p99 %.2f ms" % (n, pct(http_times, 50) * 1e3, pct(http_times, 99) * 1e3))
