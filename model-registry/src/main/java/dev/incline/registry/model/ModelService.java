package dev.incline.registry.model;

import dev.incline.platform.archive.SafeArchive;
import dev.incline.platform.error.ApiExceptions;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.s3.BucketLayout;
import dev.incline.platform.s3.ObjectStore;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import dev.incline.registry.config.RegistryProperties;
import dev.incline.registry.dataset.DatasetUsages;
import dev.incline.registry.job.JobDirectory;
import dev.incline.registry.model.Views.AliasesView;
import dev.incline.registry.model.Views.DatasetInput;
import dev.incline.registry.model.Views.FileEntry;
import dev.incline.registry.model.Views.Lineage;
import dev.incline.registry.model.Views.ModelView;
import dev.incline.registry.model.Views.Signature;
import dev.incline.registry.model.Views.VersionView;
import dev.incline.platform.project.ProjectDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.FileSystemUtils;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Models, their immutable numbered versions and aliases. A reference is {@code <model id or
 * name>[:<version number, alias, version id or latest>]}; without a version it means {@code latest}.
 * A version's files live at {@code teams/<team>/models/<modelId>/versions/<n>/<path>}.
 */
@Service
public class ModelService {

  private static final Logger log = LoggerFactory.getLogger(ModelService.class);
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9._-]{0,62}");
  static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
  static final Set<String> FORMATS = Set.of("onnx", "tensorflow", "pytorch", "custom");
  public static final String LATEST = "latest";

  private final ModelRepository models;
  private final VersionRepository versions;
  private final Aliases aliases;
  private final ProjectDirectory projects;
  private final JobDirectory jobs;
  private final DatasetUsages datasets;
  private final ObjectStore store;
  private final S3Client s3;
  private final RegistryProperties properties;
  private final TransactionTemplate tx;
  private final JsonMapper json;
  private final Clock clock;

  ModelService(ModelRepository models, VersionRepository versions, Aliases aliases, ProjectDirectory projects,
      JobDirectory jobs, DatasetUsages datasets, ObjectStore store, S3Client s3, RegistryProperties properties,
      TransactionTemplate tx, JsonMapper json, Clock clock) {
    this.models = models;
    this.versions = versions;
    this.aliases = aliases;
    this.projects = projects;
    this.jobs = jobs;
    this.datasets = datasets;
    this.store = store;
    this.s3 = s3;
    this.properties = properties;
    this.tx = tx;
    this.json = json;
    this.clock = clock;
  }

  // ---- models

  @Transactional
  public ModelView create(Caller caller, ModelRequest r) {
    caller.require(Role.MEMBER);
    List<FieldError> errors = new ArrayList<>();
    if (r.projectId() == null || r.projectId().isBlank()) {
      errors.add(new FieldError("projectId", "is required"));
    }
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      errors.add(new FieldError("name", "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"));
    } else if (r.name().startsWith(Views.MODEL + "_")) {
      errors.add(new FieldError("name", "must not start with 'mdl_', which marks model ids"));
    }
    if (r.format() == null || !FORMATS.contains(r.format())) {
      errors.add(new FieldError("format", "must be one of onnx, tensorflow, pytorch, custom"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    String projectId = projects.requireProject(caller, r.projectId());
    if (models.existsByTeamIdAndName(caller.teamId(), r.name())) {
      throw new ConflictException("name-taken", "a model named '" + r.name() + "' already exists");
    }
    Model m = new Model(PublicId.newUuid(), caller.teamId(), projectId, r.name(), r.format(), r.description(),
        caller.userId(), clock.instant());
    return view(models.save(m));
  }

  @Transactional(readOnly = true)
  public PageResponse<ModelView> list(Caller caller, String projectId, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    UUID from = after == null ? new UUID(0, 0) : after;
    List<Model> page = projectId == null || projectId.isBlank()
        ? models.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), from, Limit.of(n + 1))
        : models.findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), ProjectDirectory.canonical(projectId),
            from, Limit.of(n + 1));
    return PageResponse.of(page, n, this::view, m -> m.getId().toString());
  }

  @Transactional(readOnly = true)
  public ModelView get(Caller caller, String ref) {
    return view(model(caller, ref));
  }

  /**
   * Deletes a model, its versions, aliases and bytes, and releases the dataset versions its versions'
   * lineage held (storage-service not answering is a 503, and the model stays as it was).
   */
  @Transactional
  public void delete(Caller caller, String ref) {
    caller.require(Role.ADMIN);
    Model m = model(caller, ref);
    List<UUID> usingDatasets = versions.findByTeamIdAndModelIdAndLineageIsNotNull(caller.teamId(), m.getId()).stream()
        .filter(v -> !datasetRefs(json.readValue(v.getLineage(), Lineage.class)).isEmpty())
        .map(VersionRepository.LineageOnly::getId).toList();
    models.delete(m);
    models.flush();
    for (UUID version : usingDatasets) {
      datasets.release(caller, Views.versionId(version)); // before the commit: a failure rolls the delete back
    }
    store.deletePrefix(prefix(m));
  }

  // ---- versions

  /** A single file, streamed: written to a local temporary file (hashed on the way), validated, then stored. */
  public VersionView upload(Caller caller, String ref, InputStream body, String fileName, String metadata, String metrics) {
    caller.require(Role.MEMBER);
    Model m = model(caller, ref);
    JsonNode meta = object("metadata", metadata);
    JsonNode mets = object("metrics", metrics);
    String name = fileName == null || fileName.isBlank() ? defaultFileName(m.getFormat()) : fileName;
    if (!FILE_NAME.matcher(name).matches()) {
      throw new InvalidRequestException("fileName", "must be 1-255 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (m.getFormat().equals("tensorflow")) {
      throw new InvalidRequestException("body", "a TensorFlow SavedModel is a directory (with saved_model.pb): upload it "
          + "as an archive (Content-Type application/gzip or application/zip), or register it from a job with "
          + "{\"fromJob\": {\"jobId\": …, \"path\": <the directory>}}");
    }
    Path dir = tempDir();
    try {
      Local file = receive(body, dir.resolve(name), name, "a model file");
      List<Local> files = List.of(file);
      Signature signature = validate(m.getFormat(), files);
      return register(caller, m.getId(), PublicId.newUuid(), files, signature, meta, mets, null,
          (local, key) -> store.put(key, local.file()));
    } finally {
      FileSystemUtils.deleteRecursively(dir.toFile());
    }
  }

  /**
   * A directory as one archive, streamed: written to a local temporary file, unpacked there within
   * the configured bounds ({@link ModelArchive}), validated, then each file stored as its own object.
   */
  public VersionView uploadArchive(Caller caller, String ref, InputStream body, SafeArchive.Format format, String fileName,
      String metadata, String metrics) {
    caller.require(Role.MEMBER);
    Model m = model(caller, ref);
    JsonNode meta = object("metadata", metadata);
    JsonNode mets = object("metrics", metrics);
    if (fileName != null && !fileName.isBlank()) {
      throw new InvalidRequestException("fileName", "names the file of a single-file upload; an archive's files keep their own names");
    }
    Path dir = tempDir();
    try {
      Path archive = receive(body, dir.resolve("upload"), "upload", "an archive").file();
      SafeArchive.Limits limits = new SafeArchive.Limits(properties.archive().maxUnpackedSize().toBytes(),
          properties.archive().maxEntries());
      List<Local> files = ModelArchive.unpack(archive, format, dir.resolve("files"), limits);
      Files.delete(archive); // only the unpacked files are needed from here on
      if (m.getFormat().equals("tensorflow") && files.stream().noneMatch(f -> f.path().equals("saved_model.pb"))) {
        throw new InvalidRequestException("body", "a TensorFlow SavedModel archive needs saved_model.pb at its root, or in "
            + "the one top-level directory that holds all its files");
      }
      Signature signature = validate(m.getFormat(), files);
      return register(caller, m.getId(), PublicId.newUuid(), files, signature, meta, mets, null,
          (local, key) -> store.put(key, local.file()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      FileSystemUtils.deleteRecursively(dir.toFile());
    }
  }

  /** A job's artifact (a file, or a directory's files), copied in the bucket; the job is recorded as lineage. */
  public VersionView fromJob(Caller caller, String ref, VersionRequest r) {
    caller.require(Role.MEMBER);
    VersionRequest.FromJob from = r.fromJob();
    List<FieldError> errors = new ArrayList<>();
    if (from.jobId() == null || from.jobId().isBlank()) {
      errors.add(new FieldError("fromJob.jobId", "is required"));
    }
    String path = from.path() == null ? "" : from.path().strip();
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.isEmpty() || List.of(path.split("/")).stream().anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
      errors.add(new FieldError("fromJob.path", "must be a relative path under the job's artifacts, without '.' or '..' segments"));
    }
    if (r.metadata() != null && !r.metadata().isNull() && !r.metadata().isObject()) {
      errors.add(new FieldError("metadata", "must be a JSON object"));
    }
    if (r.metrics() != null && !r.metrics().isNull() && !r.metrics().isObject()) {
      errors.add(new FieldError("metrics", "must be a JSON object"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    Model m = model(caller, ref);
    JsonNode job = jobs.requireJob(caller, from.jobId());
    String jobId = text(job, "id", from.jobId());
    String artifacts = BucketLayout.job(caller.teamId(), jobId) + "artifacts/";
    // the path names one file, or else a directory: every object under it
    List<String[]> sources = new ArrayList<>(); // {key, path in the version}
    if (store.size(artifacts + path).isPresent()) {
      sources.add(new String[] {artifacts + path, path.substring(path.lastIndexOf('/') + 1)});
    } else {
      String dirPrefix = artifacts + path + "/";
      store.list(dirPrefix).stream().filter(o -> !o.key().endsWith("/"))
          .forEach(o -> sources.add(new String[] {o.key(), o.key().substring(dirPrefix.length())}));
    }
    if (sources.isEmpty()) {
      throw new InvalidRequestException("fromJob.path", "job " + jobId + " has no artifact at '" + path + "'");
    }
    List<DatasetInput> inputs = new ArrayList<>();
    JsonNode in = job.get("inputs");
    if (in != null && in.isArray()) {
      for (JsonNode i : in) {
        inputs.add(new DatasetInput(text(i, "dataset", null), text(i, "versionId", null), text(i, "version", null)));
      }
    }
    Lineage lineage = new Lineage(jobId, text(job, "projectId", null), path, text(job, "image", null),
        text(job, "command", null), inputs);
    Path dir = tempDir();
    try {
      List<Local> files = new ArrayList<>();
      for (String[] s : sources) {
        Path target = dir.resolve(s[1]).normalize();
        if (!target.startsWith(dir)) {
          throw new InvalidRequestException("fromJob.path", "holds a file outside the directory: " + s[1]);
        }
        Files.createDirectories(target.getParent());
        try (InputStream body = store.open(s[0])) {
          if (body == null) {
            throw new InvalidRequestException("fromJob.path", "artifact '" + s[1] + "' disappeared while it was read");
          }
          Local local = receive(body, target, s[1], "a model file");
          files.add(new Local(local.path(), local.file(), local.size(), local.sha256(), s[0]));
        }
      }
      files.sort(Comparator.comparing(Local::path));
      Signature signature = validate(m.getFormat(), files);
      // The input dataset versions are marked used by this version before anything is written: when
      // storage-service refuses or does not answer, nothing is kept (and nothing was marked).
      UUID id = PublicId.newUuid();
      String usedBy = Views.versionId(id);
      List<String> refs = datasetRefs(lineage);
      datasets.use(caller, refs, usedBy, "fromJob.jobId");
      try {
        return register(caller, m.getId(), id, files, signature, r.metadata(), r.metrics(), lineage,
            (local, key) -> s3.copyObject(c -> c.sourceBucket(store.bucket()).sourceKey(local.source())
                .destinationBucket(store.bucket()).destinationKey(key)));
      } catch (RuntimeException e) {
        if (!refs.isEmpty()) {
          try {
            datasets.release(caller, usedBy);
          } catch (RuntimeException notReleased) {
            log.warn("version {} was not registered, but its dataset versions {} stay marked used by it: {}", usedBy, refs,
                notReleased.getMessage());
            e.addSuppressed(notReleased);
          }
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      FileSystemUtils.deleteRecursively(dir.toFile());
    }
  }

  @Transactional(readOnly = true)
  public PageResponse<VersionView> listVersions(Caller caller, String ref, Integer limit, String cursor) {
    Model m = model(caller, ref);
    int n = Cursors.limit(limit);
    String after = Cursors.decode(cursor);
    int before;
    try {
      before = after == null ? Integer.MAX_VALUE : Integer.parseInt(after);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("cursor", "is not a cursor returned by this list");
    }
    List<ModelVersion> page = versions.findByTeamIdAndModelIdAndNumberLessThanOrderByNumberDesc(caller.teamId(), m.getId(),
        before, Limit.of(n + 1));
    Map<UUID, List<String>> byVersion = aliases.byVersion(m.getId());
    return PageResponse.of(page, n, v -> versionView(m, v, byVersion.get(v.getId())), v -> Integer.toString(v.getNumber()));
  }

  @Transactional(readOnly = true)
  public VersionView version(Caller caller, String ref, String version) {
    Model m = model(caller, ref);
    return versionView(m, version(m, version));
  }

  /** Resolves {@code model[:version|alias|latest]}. */
  @Transactional(readOnly = true)
  public VersionView resolve(Caller caller, String reference) {
    if (reference == null || reference.isBlank()) {
      throw new InvalidRequestException("ref", "is empty; write <model>[:<version or alias>]");
    }
    int colon = reference.lastIndexOf(':');
    String name = colon < 0 ? reference : reference.substring(0, colon);
    String version = colon < 0 ? LATEST : reference.substring(colon + 1);
    Model m = model(caller, name);
    return versionView(m, version(m, version));
  }

  /** A presigned URL to one file of a version. */
  @Transactional(readOnly = true)
  public URL downloadUrl(Caller caller, String ref, String version, String path) {
    Model m = model(caller, ref);
    ModelVersion v = version(m, version);
    FileEntry file = files(v).stream().filter(f -> f.path().equals(path)).findFirst()
        .orElseThrow(() -> new NotFoundException("file", m.getName() + ":" + v.getNumber() + "/" + path));
    return store.presignGet(key(m, v.getNumber(), file.path()), properties.presignTtl(),
        file.path().substring(file.path().lastIndexOf('/') + 1));
  }

  // ---- aliases

  @Transactional
  public VersionView setAlias(Caller caller, String ref, String alias, Integer version) {
    caller.require(Role.MEMBER);
    checkAlias(alias);
    if (version == null) {
      throw new InvalidRequestException("version", "is required");
    }
    Model m = models.findForUpdateByTeamIdAndId(caller.teamId(), model(caller, ref).getId()).orElseThrow();
    ModelVersion v = version(m, Integer.toString(version));
    aliases.move(m.getId(), alias, v.getId(), v.getNumber(), caller.userId(), clock.instant());
    return versionView(m, v);
  }

  @Transactional
  public void removeAlias(Caller caller, String ref, String alias) {
    caller.require(Role.MEMBER);
    checkAlias(alias);
    Model m = models.findForUpdateByTeamIdAndId(caller.teamId(), model(caller, ref).getId()).orElseThrow();
    if (!aliases.remove(m.getId(), alias, caller.userId(), clock.instant())) {
      throw new NotFoundException("alias", m.getName() + ":" + alias);
    }
  }

  @Transactional(readOnly = true)
  public AliasesView aliases(Caller caller, String ref) {
    Model m = model(caller, ref);
    return new AliasesView(aliases.of(m.getId()), aliases.history(m.getId()));
  }

  private static void checkAlias(String alias) {
    if (alias == null || !ALIAS.matcher(alias).matches()) {
      throw new InvalidRequestException("alias", "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter");
    }
    if (alias.startsWith(Views.VERSION + "_")) {
      throw new InvalidRequestException("alias", "must not start with 'mdv_', which marks version ids");
    }
    if (alias.equals(LATEST)) {
      throw new InvalidRequestException("alias", "'latest' always means the newest version");
    }
  }

  // ---- registering

  /** A file on local disk, as it will be stored: {@code source} is the object it was copied from, if any. */
  record Local(String path, Path file, long size, String sha256, String source) {}

  @FunctionalInterface
  interface Writer {
    void write(Local file, String key);
  }

  private VersionView register(Caller caller, UUID modelId, UUID id, List<Local> files, Signature signature,
      JsonNode metadata, JsonNode metrics, Lineage lineage, Writer writer) {
    String sha256 = files.size() == 1 ? files.getFirst().sha256() : manifestHash(files);
    long size = files.stream().mapToLong(Local::size).sum();
    String fileJson = json.writeValueAsString(files.stream().map(f -> new FileEntry(f.path(), f.size(), f.sha256())).toList());
    List<String> written = new ArrayList<>();
    try {
      return tx.execute(status -> {
        Model m = models.findForUpdateByTeamIdAndId(caller.teamId(), modelId)
            .orElseThrow(() -> new NotFoundException("model", Views.modelId(modelId)));
        int number = m.nextVersion();
        for (Local f : files) {
          String key = key(m, number, f.path());
          writer.write(f, key);
          written.add(key);
        }
        ModelVersion v = new ModelVersion(id, m, number, sha256, size, fileJson,
            signature == null ? null : json.writeValueAsString(signature), jsonOrNull(metadata), jsonOrNull(metrics),
            lineage == null ? null : json.writeValueAsString(lineage), caller.userId(), clock.instant());
        versions.save(v);
        models.save(m);
        return versionView(m, v, List.of());
      });
    } catch (RuntimeException e) {
      for (String key : written) {
        try {
          s3.deleteObject(d -> d.bucket(store.bucket()).key(key));
        } catch (RuntimeException ignored) {
          // best effort: the version was not recorded, so nothing points at these bytes
        }
      }
      throw e;
    }
  }

  /** Checks the files against the model's format; the ONNX signature when the format is onnx. */
  static Signature validate(String format, List<Local> files) {
    switch (format) {
      case "onnx" -> {
        List<Local> onnx = files.size() == 1 ? files : files.stream().filter(f -> f.path().endsWith(".onnx")).toList();
        if (onnx.size() > 1) { // several: model.onnx at the root is the model, the others are its parts or extras
          onnx = onnx.stream().filter(f -> f.path().equals("model.onnx")).toList();
          if (onnx.isEmpty()) {
            throw new InvalidRequestException("file", "an ONNX version needs one .onnx file, or model.onnx at its root; found "
                + files.stream().filter(f -> f.path().endsWith(".onnx")).count() + " .onnx files and no model.onnx");
          }
        }
        if (onnx.isEmpty()) {
          throw new InvalidRequestException("file", "an ONNX version needs a .onnx file; found none");
        }
        try {
          return OnnxInspector.inspect(onnx.getFirst().file(), onnx.getFirst().path());
        } catch (OnnxInspector.InvalidModelException e) {
          throw new InvalidRequestException("file", "is not a valid ONNX model: " + e.getMessage());
        }
      }
      case "tensorflow" -> {
        if (files.stream().noneMatch(f -> f.path().equals("saved_model.pb"))) {
          throw new InvalidRequestException("file", "a TensorFlow SavedModel needs saved_model.pb at its root");
        }
        return null;
      }
      default -> {
        return null;
      }
    }
  }

  /** Streams {@code body} to {@code target}, hashing it; {@code what} names it in errors ("a model file"). */
  private Local receive(InputStream body, Path target, String path, String what) {
    long max = properties.maxUploadSize().toBytes();
    MessageDigest digest = sha256();
    long size = 0;
    try (InputStream in = new DigestInputStream(body, digest); OutputStream out = Files.newOutputStream(target)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        size += n;
        if (size > max) {
          throw ApiExceptions.payloadTooLarge(what + " may be at most " + properties.maxUploadSize());
        }
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (size == 0) {
      throw new InvalidRequestException("body", "is empty: send " + what + " as the request body");
    }
    return new Local(path, target, size, java.util.HexFormat.of().formatHex(digest.digest()), null);
  }

  /**
   * The dataset versions a lineage names, as storage-service references that pin the exact version:
   * {@code <dataset name>:<version id>} ({@code version} is {@code name:number}, {@code dataset} the
   * reference the job was given).
   */
  static List<String> datasetRefs(Lineage lineage) {
    if (lineage == null || lineage.datasetVersions() == null) {
      return List.of();
    }
    List<String> refs = new ArrayList<>();
    for (DatasetInput in : lineage.datasetVersions()) {
      String named = in.version() != null && in.version().contains(":") ? in.version() : in.dataset();
      if (named == null || named.isBlank()) {
        continue;
      }
      String dataset = named.contains(":") ? named.substring(0, named.lastIndexOf(':')) : named;
      String ref;
      if (in.versionId() != null && !in.versionId().isBlank()) {
        ref = dataset + ":" + in.versionId();
      } else if (in.version() != null && !in.version().isBlank()) {
        ref = in.version().contains(":") ? in.version() : dataset + ":" + in.version();
      } else {
        ref = named;
      }
      if (!refs.contains(ref)) {
        refs.add(ref);
      }
    }
    return refs;
  }

  private static String manifestHash(List<Local> files) {
    MessageDigest digest = sha256();
    files.stream().sorted(Comparator.comparing(Local::path))
        .forEach(f -> digest.update((f.sha256() + "  " + f.path() + "\n").getBytes(StandardCharsets.UTF_8)));
    return java.util.HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("incline-model-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private JsonNode object(String field, String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      JsonNode node = json.readTree(text);
      if (!node.isObject()) {
        throw new InvalidRequestException(field, "must be a JSON object");
      }
      return node;
    } catch (JacksonException e) {
      throw new InvalidRequestException(field, "is not JSON: " + e.getOriginalMessage());
    }
  }

  private String jsonOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : json.writeValueAsString(node);
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? fallback : v.asString();
  }

  private static String defaultFileName(String format) {
    return switch (format) {
      case "onnx" -> "model.onnx";
      case "pytorch" -> "model.pt";
      default -> "model.bin";
    };
  }

  // ---- shared

  Model model(Caller caller, String ref) {
    if (ref != null && ref.startsWith(Views.MODEL + "_")) {
      UUID id = PublicId.require(Views.MODEL, ref, "model");
      return models.findByTeamIdAndId(caller.teamId(), id).orElseThrow(() -> new NotFoundException("model", ref));
    }
    return models.findByTeamIdAndName(caller.teamId(), ref).orElseThrow(() -> new NotFoundException("model", ref));
  }

  ModelVersion version(Model m, String version) {
    if (version == null || version.isBlank()) {
      throw new InvalidRequestException("version", "is empty");
    }
    if (version.equals(LATEST)) {
      return versions.findByTeamIdAndModelIdAndNumber(m.getTeamId(), m.getId(), m.getLastVersion())
          .orElseThrow(() -> new NotFoundException("version", m.getName() + ":" + version));
    }
    if (version.chars().allMatch(Character::isDigit) && version.length() < 10) {
      int number = Integer.parseInt(version);
      return versions.findByTeamIdAndModelIdAndNumber(m.getTeamId(), m.getId(), number)
          .orElseThrow(() -> new NotFoundException("version", m.getName() + ":" + version));
    }
    if (version.startsWith(Views.VERSION + "_")) {
      UUID id = PublicId.require(Views.VERSION, version, "version");
      return versions.findByTeamIdAndId(m.getTeamId(), id).filter(v -> v.getModelId().equals(m.getId()))
          .orElseThrow(() -> new NotFoundException("version", version));
    }
    UUID id = aliases.target(m.getId(), version).orElseThrow(() -> new NotFoundException("version", m.getName() + ":" + version));
    return versions.findByTeamIdAndId(m.getTeamId(), id).orElseThrow();
  }

  static String prefix(Model m) {
    return BucketLayout.team(m.getTeamId()) + "models/" + Views.modelId(m.getId()) + "/";
  }

  static String key(Model m, int number, String path) {
    return prefix(m) + "versions/" + number + "/" + path;
  }

  ModelView view(Model m) {
    return new ModelView(Views.modelId(m.getId()), m.getProjectId(), m.getName(), m.getFormat(), m.getDescription(),
        m.getLastVersion() == 0 ? null : m.getLastVersion(), aliases.of(m.getId()), m.getCreatedBy(), m.getCreatedAt());
  }

  VersionView versionView(Model m, ModelVersion v) {
    return versionView(m, v, aliases.byVersion(m.getId()).get(v.getId()));
  }

  private VersionView versionView(Model m, ModelVersion v, List<String> names) {
    return new VersionView(Views.versionId(v.getId()), Views.modelId(m.getId()), m.getName(), v.getNumber(), m.getFormat(),
        v.getSha256(), v.getSizeBytes(), files(v),
        v.getSignature() == null ? null : json.readValue(v.getSignature(), Signature.class),
        v.getMetadata() == null ? null : json.readTree(v.getMetadata()),
        v.getMetrics() == null ? null : json.readTree(v.getMetrics()),
        v.getLineage() == null ? null : json.readValue(v.getLineage(), Lineage.class),
        names == null ? List.of() : names, v.getCreatedBy(), v.getCreatedAt());
  }

  private List<FileEntry> files(ModelVersion v) {
    return json.readValue(v.getFiles(), new TypeReference<List<FileEntry>>() {});
  }
}
