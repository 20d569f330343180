package dev.incline.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.incline.embedded.SharedInfrastructure;
import dev.incline.platform.s3.S3Clients;
import dev.incline.platform.s3.S3Properties;
import dev.incline.platform.security.Caller;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/** {@code POST /api/v1/models/{m}/versions} with a directory as a .tar.gz or .zip body. */
class ModelArchiveIT extends ModelRegistryTestBase {

  private static final String BUCKET = "incline-test";
  private static final String GZIP = "application/gzip";
  private static final String ZIP = "application/zip";
  private static S3Client s3;

  private final Caller alice = caller("team_alice");
  private final Caller bob = caller("team_bob");

  @BeforeAll
  static void s3() {
    var store = SharedInfrastructure.s3();
    s3 = S3Clients.client(new S3Properties(store.endpoint(), "us-east-1", BUCKET, store.accessKey(), store.secretKey(), true,
        true));
  }

  @AfterAll
  static void close() {
    s3.close();
  }

  // ---- building archives in memory

  /** A tar.gz, entry by entry. */
  private static final class TarGz {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out;

    TarGz() throws IOException {
      out = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes));
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    TarGz dir(String name) throws IOException {
      out.putArchiveEntry(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"));
      out.closeArchiveEntry();
      return this;
    }

    TarGz file(String name, byte[] content) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, true); // keeps a leading '/' as written
      e.setSize(content.length);
      e.setMode(0644);
      out.putArchiveEntry(e);
      out.write(content);
      out.closeArchiveEntry();
      return this;
    }

    TarGz file(String name, String content) throws IOException {
      return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    TarGz zeros(String name, long size) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name);
      e.setSize(size);
      out.putArchiveEntry(e);
      byte[] chunk = new byte[64 * 1024];
      for (long left = size; left > 0; left -= chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, left));
      }
      out.closeArchiveEntry();
      return this;
    }

    TarGz symlink(String name, String target) throws IOException {
      TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
      e.setLinkName(target);
      out.putArchiveEntry(e);
      out.closeArchiveEntry();
      return this;
    }

    byte[] bytes() throws IOException {
      out.close();
      return bytes.toByteArray();
    }
  }

  /** A zip of {@code path → content}, in the given order; names are written as they are (even "../x"). */
  private static byte[] zip(Map<String, byte[]> files) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(bytes)) {
      for (var f : files.entrySet()) {
        out.putNextEntry(new ZipEntry(f.getKey()));
        out.write(f.getValue());
        out.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] digits() throws Exception {
    try (InputStream in = ModelArchiveIT.class.getResourceAsStream("/models/digits/model.onnx")) {
      return in.readAllBytes();
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /** A version's checksum over several files: SHA-256 of "{@code <sha256>  <path>\n}" lines sorted by path. */
  private static String manifest(Map<String, byte[]> files) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    for (var f : new TreeMap<>(files).entrySet()) {
      digest.update(utf8(sha256(f.getValue()) + "  " + f.getKey() + "\n"));
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private String model(Caller caller, String name, String format) throws Exception {
    var r = post(caller, "/api/v1/models", "{\"projectId\": \"" + project(caller.teamId()) + "\", \"name\": \"" + name
        + "\", \"format\": \"" + format + "\"}");
    expect(201, r);
    return body(r).get("id").asString();
  }

  private byte[] download(Caller caller, String path) throws Exception {
    var redirect = http.send(request(caller, path).GET().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(redirect.statusCode()).as(path).isEqualTo(302);
    URI location = URI.create(redirect.headers().firstValue("Location").orElseThrow());
    var r = http.send(HttpRequest.newBuilder(location).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private List<String> objects(Caller caller, String modelId) {
    return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix("teams/" + caller.teamId() + "/models/" + modelId + "/")).contents()
        .stream().map(o -> o.key()).toList();
  }

  /** A refused upload: 422 naming the reason, and the model still without versions or bytes. */
  private void refused(String modelId, HttpResponse<String> r, String reason) throws Exception {
    expect(422, r);
    assertThat(body(r).get("detail").asString()).contains(reason);
    assertThat(body(get(alice, "/api/v1/models/" + modelId)).get("latestVersion").isNull()).isTrue();
    assertThat(objects(alice, modelId)).isEmpty();
  }

  // ---- accepted

  @Test
  void aTarGzDirectoryBecomesTheVersionsFilesEachWithSizeAndChecksum() throws Exception {
    String id = model(alice, "tf-archive", "tensorflow");
    Map<String, byte[]> files = Map.of(
        "saved_model.pb", utf8("graph"),
        "fingerprint.pb", utf8("fp"),
        "variables/variables.index", utf8("index"),
        "variables/variables.data-00000-of-00001", new byte[1000],
        "assets/vocab.txt", utf8("a\nb\nc\n"));
    // as `tar -czf model.tgz my_model/` writes it: one top-level directory, which is unwrapped
    TarGz tgz = new TarGz().dir("my_model/").dir("my_model/variables/").dir("my_model/assets/");
    for (var f : files.entrySet()) {
      tgz.file("my_model/" + f.getKey(), f.getValue());
    }
    var r = uploadArchive(alice, "/api/v1/models/tf-archive/versions?metadata=%7B%22framework%22%3A%22tf%22%7D", GZIP,
        tgz.bytes());
    expect(201, r);
    JsonNode v = body(r);
    assertThat(v.get("version").asInt()).isEqualTo(1);
    assertThat(v.get("metadata").get("framework").asString()).isEqualTo("tf");
    assertThat(v.get("size").asLong()).isEqualTo(files.values().stream().mapToLong(b -> b.length).sum());
    assertThat(v.get("sha256").asString()).isEqualTo(manifest(files));
    assertThat(v.get("files").size()).isEqualTo(files.size());
    for (JsonNode f : v.get("files")) {
      byte[] content = files.get(f.get("path").asString());
      assertThat(content).as(f.get("path").asString()).isNotNull();
      assertThat(f.get("size").asLong()).isEqualTo(content.length);
      assertThat(f.get("sha256").asString()).isEqualTo(sha256(content));
    }
    assertThat(v.get("files").get(0).get("path").asString()).as("sorted by path").isEqualTo("assets/vocab.txt");

    // each file is its own object, and downloads as it was
    assertThat(objects(alice, id)).hasSize(files.size())
        .contains("teams/team_alice/models/" + id + "/versions/1/variables/variables.index");
    for (var f : files.entrySet()) {
      assertThat(download(alice, "/api/v1/models/tf-archive/versions/1/files/" + f.getKey())).as(f.getKey())
          .isEqualTo(f.getValue());
    }
    assertThat(body(get(alice, "/api/v1/model-versions/tf-archive:1")).get("files").size()).isEqualTo(files.size());
  }

  @Test
  void aZipOfAnOnnxModelIsLoadedForItsSignatureAndItsChecksumIsOverTheFilesNotTheArchive() throws Exception {
    model(alice, "onnx-zip", "onnx");
    byte[] onnx = digits();
    Map<String, byte[]> files = new TreeMap<>(Map.of("model.onnx", onnx, "labels.txt", utf8("0\n1\n2\n")));
    var r = uploadArchive(alice, "/api/v1/models/onnx-zip/versions?metrics=%7B%22accuracy%22%3A0.9%7D", ZIP, zip(files));
    expect(201, r);
    JsonNode v = body(r);
    assertThat(v.get("signature").get("inputs").get(0).get("name").asString()).isEqualTo("input");
    assertThat(v.get("signature").get("outputs").get(0).get("shape").toString()).isEqualTo("[-1,10]");
    assertThat(v.get("metrics").get("accuracy").asDouble()).isEqualTo(0.9);
    assertThat(v.get("files").findValuesAsString("path")).containsExactly("labels.txt", "model.onnx");
    assertThat(v.get("files").get(1).get("sha256").asString()).isEqualTo(sha256(onnx));
    assertThat(v.get("sha256").asString()).isEqualTo(manifest(files));
    assertThat(download(alice, "/api/v1/models/onnx-zip/versions/1/files/model.onnx")).isEqualTo(onnx);
    assertThat(download(alice, "/api/v1/models/onnx-zip/versions/1/files/labels.txt")).isEqualTo(files.get("labels.txt"));

    // the same files as a tar.gz: another archive, the same checksum
    TarGz tgz = new TarGz().file("labels.txt", files.get("labels.txt")).file("model.onnx", onnx);
    var again = uploadArchive(alice, "/api/v1/models/onnx-zip/versions", GZIP, tgz.bytes());
    expect(201, again);
    assertThat(body(again).get("version").asInt()).isEqualTo(2);
    assertThat(body(again).get("sha256").asString()).isEqualTo(v.get("sha256").asString());

    // several .onnx files: model.onnx at the root is the model
    var several = uploadArchive(alice, "/api/v1/models/onnx-zip/versions", ZIP,
        zip(Map.of("model.onnx", onnx, "parts/encoder.onnx", onnx)));
    expect(201, several);
    assertThat(body(several).get("signature").get("inputs").get(0).get("name").asString()).isEqualTo("input");
  }

  // ---- refused

  @Test
  void pathEscapesAndLinksAreRefusedAndNothingIsStored() throws Exception {
    String id = model(alice, "escapes", "custom");
    String path = "/api/v1/models/escapes/versions";
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("ok.bin", "x").file("a/../../evil", "x").bytes()),
        "outside the archive root");
    refused(id, uploadArchive(alice, path, ZIP, zip(Map.of("../evil", utf8("x")))), "outside the archive root");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("/etc/evil", "x").bytes()), "absolute path");
    refused(id, uploadArchive(alice, path, ZIP, zip(Map.of("/etc/evil", utf8("x")))), "absolute path");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().symlink("passwd", "../../../etc/passwd").bytes()),
        "outside the archive root");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().symlink("passwd", "/etc/passwd").bytes()), "absolute path");
    // even a link that stays inside: a version holds plain files
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("weights.bin", "w").symlink("latest.bin", "weights.bin")
        .bytes()), "symbolic link");

    // what is not an archive of the announced kind, or no archive at all
    refused(id, uploadArchive(alice, path, GZIP, zip(Map.of("a.bin", utf8("a")))), "is a zip archive");
    refused(id, uploadArchive(alice, path, ZIP, utf8("not an archive")), "is not a zip archive");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().dir("empty/").bytes()), "holds no files");
    refused(id, uploadArchive(alice, path, GZIP, new byte[0]), "is empty");
    var named = uploadArchive(alice, path + "?fileName=model.bin", GZIP, new TarGz().file("a.bin", "a").bytes());
    expect(422, named);
    assertThat(named.body()).contains("fileName");

    // and afterwards a good archive is version 1
    expect(201, uploadArchive(alice, path, GZIP, new TarGz().file("a.bin", "a").bytes()));
    assertThat(body(get(alice, "/api/v1/models/escapes")).get("latestVersion").asInt()).isEqualTo(1);
  }

  @Test
  void tooManyEntriesOrTooManyBytesAreRefused() throws Exception {
    String id = model(alice, "bounded", "custom");
    TarGz many = new TarGz();
    for (int i = 0; i <= ARCHIVE_MAX_ENTRIES; i++) {
      many.file("f" + i + ".bin", "x");
    }
    refused(id, uploadArchive(alice, "/api/v1/models/bounded/versions", GZIP, many.bytes()),
        "more than " + ARCHIVE_MAX_ENTRIES + " entries");

    // a compression bomb: small packed, large unpacked
    byte[] bomb = new TarGz().zeros("zeros.bin", 4 * ARCHIVE_MAX_BYTES).bytes();
    assertThat(bomb.length).isLessThan(100_000);
    refused(id, uploadArchive(alice, "/api/v1/models/bounded/versions", GZIP, bomb), "more than " + ARCHIVE_MAX_BYTES + " bytes");
    byte[] zipBomb = zip(Map.of("a.bin", new byte[(int) ARCHIVE_MAX_BYTES / 2], "b.bin", new byte[(int) ARCHIVE_MAX_BYTES / 2],
        "c.bin", new byte[1024]));
    refused(id, uploadArchive(alice, "/api/v1/models/bounded/versions", ZIP, zipBomb), "more than " + ARCHIVE_MAX_BYTES + " bytes");
  }

  @Test
  void aTensorflowArchiveWithoutSavedModelAtItsRootIsRefused() throws Exception {
    String id = model(alice, "tf-bad", "tensorflow");
    String path = "/api/v1/models/tf-bad/versions";
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("variables/variables.index", "i").bytes()), "saved_model.pb");
    // two levels down is not the root, nor is one of two top-level directories
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("a/b/saved_model.pb", "g").bytes()), "saved_model.pb");
    refused(id, uploadArchive(alice, path, ZIP, zip(Map.of("a/saved_model.pb", utf8("g"), "b/other.txt", utf8("o")))),
        "saved_model.pb");
    // a single file, sent as one, is refused with the way to send it
    var single = upload(alice, path + "?fileName=saved_model.pb", utf8("g"));
    expect(422, single);
    assertThat(single.body()).contains("application/gzip");
  }

  @Test
  void anOnnxArchiveWithABrokenModelIsRefused() throws Exception {
    String id = model(alice, "onnx-bad", "onnx");
    String path = "/api/v1/models/onnx-bad/versions";
    refused(id, uploadArchive(alice, path, ZIP, zip(Map.of("model.onnx", utf8("not a model"), "labels.txt", utf8("0")))),
        "is not a valid ONNX model");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("labels.txt", "0").file("readme.md", "r").bytes()),
        "found none");
    refused(id, uploadArchive(alice, path, GZIP, new TarGz().file("a.onnx", digits()).file("b.onnx", digits()).bytes()),
        "no model.onnx");
  }

  @Test
  void anotherTeamsModelIsNotFoundForArchiveUploads() throws Exception {
    String id = model(alice, "private-archive", "custom");
    byte[] archive = new TarGz().file("weights.bin", "w").bytes();
    for (String m : List.of("private-archive", id)) {
      expect(404, uploadArchive(bob, "/api/v1/models/" + m + "/versions", GZIP, archive));
      expect(404, uploadArchive(bob, "/api/v1/models/" + m + "/versions", ZIP, zip(Map.of("weights.bin", utf8("w")))));
    }
    assertThat(body(get(alice, "/api/v1/models/" + id)).get("latestVersion").isNull()).isTrue();
    assertThat(objects(alice, id)).isEmpty();
    assertThat(objects(bob, id)).isEmpty();
  }
}
