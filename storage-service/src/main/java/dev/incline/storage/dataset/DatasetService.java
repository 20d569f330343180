package dev.incline.storage.dataset;

import dev.incline.platform.error.ConflictException;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.error.InvalidRequestException.FieldError;
import dev.incline.platform.error.NotFoundException;
import dev.incline.platform.id.PublicId;
import dev.incline.platform.paging.Cursors;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.s3.BucketLayout;
import dev.incline.platform.security.Caller;
import dev.incline.storage.dataset.Views.DatasetView;
import dev.incline.storage.dataset.Views.VersionView;
import dev.incline.platform.project.ProjectDirectory;
import dev.incline.storage.provider.Bucket;
import dev.incline.storage.provider.Buckets;
import dev.incline.storage.provider.ProviderService;
import dev.incline.storage.provider.StorageProvider;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.data.domain.Limit;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Datasets, their versions, tags and references. A reference is {@code <dataset id or name>[:<version
 * number or tag>]}; without a version it means {@code latest}.
 */
@Service
public class DatasetService {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  static final Pattern TAG = Pattern.compile("[a-z][a-z0-9._-]{0,62}");
  public static final String LATEST = "latest";

  private final DatasetRepository datasets;
  private final VersionRepository versions;
  private final DatasetRows rows;
  private final ProjectDirectory projects;
  private final ProviderService providers;
  private final Buckets buckets;
  private final Clock clock;

  DatasetService(DatasetRepository datasets, VersionRepository versions, DatasetRows rows, ProjectDirectory projects,
      ProviderService providers, Buckets buckets, Clock clock) {
    this.datasets = datasets;
    this.versions = versions;
    this.rows = rows;
    this.projects = projects;
    this.providers = providers;
    this.buckets = buckets;
    this.clock = clock;
  }

  // ---- datasets

  @Transactional
  public DatasetView create(Caller caller, DatasetRequest r) {
    List<FieldError> errors = new ArrayList<>();
    if (r.projectId() == null || r.projectId().isBlank()) {
      errors.add(new FieldError("projectId", "is required"));
    }
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      errors.add(new FieldError("name", "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"));
    } else if (r.name().startsWith(Views.DATASET + "_")) {
      errors.add(new FieldError("name", "must not start with 'ds_', which marks dataset ids"));
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    String projectId = projects.requireProject(caller, r.projectId());
    UUID provider = null;
    if (r.storageProviderId() != null && !r.storageProviderId().isBlank()) {
      provider = providers.require(caller.teamId(), r.storageProviderId()).getId();
    }
    if (datasets.existsByTeamIdAndName(caller.teamId(), r.name())) {
      throw new ConflictException("name-taken", "a dataset named '" + r.name() + "' already exists");
    }
    Dataset d = new Dataset(PublicId.newUuid(), caller.teamId(), projectId, r.name(), r.description(), provider,
        caller.userId(), clock.instant());
    return view(datasets.save(d));
  }

  @Transactional(readOnly = true)
  public PageResponse<DatasetView> list(Caller caller, String projectId, Integer limit, String cursor) {
    int n = Cursors.limit(limit);
    UUID after = Cursors.decodeId(cursor);
    UUID from = after == null ? new UUID(0, 0) : after;
    List<Dataset> page = projectId == null || projectId.isBlank()
        ? datasets.findByTeamIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), from, Limit.of(n + 1))
        : datasets.findByTeamIdAndProjectIdAndIdGreaterThanOrderByIdAsc(caller.teamId(), ProjectDirectory.canonical(projectId),
            from, Limit.of(n + 1));
    return PageResponse.of(page, n, this::view, d -> d.getId().toString());
  }

  @Transactional(readOnly = true)
  public DatasetView get(Caller caller, String ref) {
    return view(dataset(caller, ref));
  }

  /** Deletes a dataset whose versions nothing uses, and its bytes. */
  @Transactional
  public void delete(Caller caller, String ref) {
    // locked: a job resolving one of its versions now waits, then finds nothing
    Dataset d = datasets.findForUpdateByTeamIdAndId(caller.teamId(), dataset(caller, ref).getId()).orElseThrow();
    List<String> users = new ArrayList<>();
    versionsOf(d).forEach(v -> rows.usedBy(v.getId()).forEach(u -> users.add(d.getName() + ":" + v.getNumber() + " by " + u)));
    if (!users.isEmpty()) {
      throw new ConflictException("dataset-in-use", "dataset '" + d.getName() + "' cannot be deleted: version "
          + String.join(", ", users.subList(0, Math.min(5, users.size()))) + (users.size() > 5 ? ", …" : ""));
    }
    List<DatasetRows.UploadRow> open = new ArrayList<>();
    versionsOf(d).forEach(v -> open.addAll(rows.uploads(v.getId())));
    Bucket bucket = bucketOf(d);
    datasets.delete(d);
    datasets.flush();
    afterCommit(() -> removeBytes(bucket, open, BucketLayout.dataset(d.getTeamId(), Views.datasetId(d.getId()))));
  }

  /**
   * Bytes go only once the rows are gone for good: a rolled-back delete must not leave versions
   * whose objects are missing. A failure here leaves unreferenced objects under a deleted prefix,
   * logged, never a version without its bytes.
   */
  private static void afterCommit(Runnable action) {
    org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
        new org.springframework.transaction.support.TransactionSynchronization() {
          @Override
          public void afterCommit() {
            try {
              action.run();
            } catch (RuntimeException e) {
              org.slf4j.LoggerFactory.getLogger(DatasetService.class).warn("could not delete the bytes of a deleted dataset version: {}",
                  e.getMessage());
            }
          }
        });
  }

  private static void removeBytes(Bucket bucket, List<DatasetRows.UploadRow> open, String prefix) {
    for (DatasetRows.UploadRow u : open) {
      try {
        bucket.abort(u.objectKey(), u.s3UploadId());
      } catch (RuntimeException ignored) {
        // already completed or gone: the prefix delete takes the bytes
      }
    }
    bucket.deletePrefix(prefix);
  }

  private List<DatasetVersion> versionsOf(Dataset d) {
    return versions.findByTeamIdAndDatasetIdAndNumberLessThanOrderByNumberDesc(d.getTeamId(), d.getId(), Integer.MAX_VALUE,
        Limit.unlimited());
  }

  // ---- versions

  @Transactional
  public VersionView createVersion(Caller caller, String ref, String message) {
    caller.require(dev.incline.platform.security.Role.MEMBER);
    Dataset d = datasets.findForUpdateByTeamIdAndId(caller.teamId(), dataset(caller, ref).getId()).orElseThrow();
    DatasetVersion v = new DatasetVersion(PublicId.newUuid(), d, d.nextVersion(), message, null, caller.userId(), clock.instant());
    versions.save(v);
    return versionView(d, v);
  }

  @Transactional(readOnly = true)
  public PageResponse<VersionView> listVersions(Caller caller, String ref, Integer limit, String cursor) {
    Dataset d = dataset(caller, ref);
    int n = Cursors.limit(limit);
    String after = Cursors.decode(cursor);
    int before;
    try {
      before = after == null ? Integer.MAX_VALUE : Integer.parseInt(after);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException("cursor", "is not a cursor returned by this list");
    }
    List<DatasetVersion> page = versions.findByTeamIdAndDatasetIdAndNumberLessThanOrderByNumberDesc(caller.teamId(), d.getId(),
        before, Limit.of(n + 1));
    List<DatasetVersion> shown = page.size() > n ? page.subList(0, n) : page;
    Map<UUID, DatasetRows.Stats> stats = rows.stats(shown.stream().map(DatasetVersion::getId).toList());
    Map<UUID, List<String>> tags = rows.tags(d.getId());
    Map<UUID, List<String>> users = rows.usedBy(shown.stream().map(DatasetVersion::getId).toList());
    return PageResponse.of(page, n, v -> versionView(d, v, stats.get(v.getId()), tags.get(v.getId()), users.get(v.getId())),
        v -> Integer.toString(v.getNumber()));
  }

  @Transactional(readOnly = true)
  public VersionView version(Caller caller, String ref, String version) {
    Dataset d = dataset(caller, ref);
    return versionView(d, version(d, version));
  }

  /** Resolves {@code name[:version|tag]} to a version. */
  @Transactional(readOnly = true)
  public VersionView resolve(Caller caller, String reference) {
    Resolved r = resolveRef(caller, reference);
    return versionView(r.dataset(), r.version());
  }

  record Resolved(Dataset dataset, DatasetVersion version) {}

  Resolved resolveRef(Caller caller, String reference) {
    if (reference == null || reference.isBlank()) {
      throw new InvalidRequestException("ref", "is empty; write <dataset>[:<version or tag>]");
    }
    int colon = reference.lastIndexOf(':');
    String name = colon < 0 ? reference : reference.substring(0, colon);
    String version = colon < 0 ? LATEST : reference.substring(colon + 1);
    Dataset d = dataset(caller, name);
    return new Resolved(d, version(d, version));
  }

  /** Deletes a version nothing uses, and its bytes; {@code latest} falls back to the previous committed version. */
  @Transactional
  public void deleteVersion(Caller caller, String ref, String version) {
    caller.require(dev.incline.platform.security.Role.MEMBER);
    Dataset d = datasets.findForUpdateByTeamIdAndId(caller.teamId(), dataset(caller, ref).getId()).orElseThrow();
    DatasetVersion v = version(d, version);
    List<String> users = rows.usedBy(v.getId());
    if (!users.isEmpty()) {
      throw new ConflictException("version-in-use", "version " + v.getNumber() + " of dataset '" + d.getName()
          + "' is used by " + String.join(", ", users));
    }
    boolean wasLatest = rows.tagged(d.getId(), LATEST).map(v.getId()::equals).orElse(false);
    List<DatasetRows.UploadRow> open = rows.uploads(v.getId());
    versions.delete(v);
    versions.flush();
    if (wasLatest) {
      versions.findFirstByTeamIdAndDatasetIdAndStatusOrderByNumberDesc(d.getTeamId(), d.getId(), DatasetVersion.COMMITTED)
          .ifPresent(prev -> rows.tag(d.getId(), LATEST, prev.getId(), clock.instant()));
    }
    Bucket bucket = bucketOf(d);
    String prefix = prefix(d, v);
    afterCommit(() -> removeBytes(bucket, open, prefix));
  }

  // ---- tags

  @Transactional
  public VersionView tag(Caller caller, String ref, String tag, Integer version) {
    caller.require(dev.incline.platform.security.Role.MEMBER);
    checkTag(tag);
    if (version == null) {
      throw new InvalidRequestException("version", "is required");
    }
    Dataset d = dataset(caller, ref);
    DatasetVersion v = version(d, Integer.toString(version));
    if (v.isDraft()) {
      throw new ConflictException("version-draft", "version " + v.getNumber() + " is a draft; commit it before tagging");
    }
    rows.tag(d.getId(), tag, v.getId(), clock.instant());
    return versionView(d, v);
  }

  @Transactional
  public void untag(Caller caller, String ref, String tag) {
    caller.require(dev.incline.platform.security.Role.MEMBER);
    checkTag(tag);
    Dataset d = dataset(caller, ref);
    if (!rows.untag(d.getId(), tag)) {
      throw new NotFoundException("tag", tag);
    }
  }

  private static void checkTag(String tag) {
    if (tag == null || !TAG.matcher(tag).matches()) {
      throw new InvalidRequestException("tag", "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter");
    }
    if (tag.startsWith(Views.VERSION + "_")) {
      throw new InvalidRequestException("tag", "must not start with 'dsv_', which marks version ids");
    }
    if (tag.equals(LATEST)) {
      throw new InvalidRequestException("tag", "'latest' moves by itself to every newly committed version");
    }
  }

  // ---- usage (lineage of jobs and models)

  /**
   * Resolves references for a workload or a model's lineage, all or none, and records {@code
   * usedBy} as a user of each (when given). Errors name {@code refs[i]}.
   */
  @Transactional
  public List<VersionView> use(Caller caller, List<String> refs, String usedBy, boolean committedOnly) {
    List<FieldError> errors = new ArrayList<>();
    List<Resolved> resolved = new ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      try {
        Resolved r = resolveRef(caller, refs.get(i));
        if (committedOnly && r.version().isDraft()) {
          errors.add(new FieldError("refs[" + i + "]", "version " + r.version().getNumber() + " of dataset '"
              + r.dataset().getName() + "' is a draft; commit it first"));
        }
        resolved.add(r);
      } catch (NotFoundException | InvalidRequestException e) {
        errors.add(new FieldError("refs[" + i + "]", e.getMessage()));
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidRequestException(errors);
    }
    if (usedBy != null && !usedBy.isBlank()) {
      resolved.forEach(r -> rows.use(r.version().getId(), caller.teamId(), usedBy, clock.instant()));
    }
    return resolved.stream().map(r -> versionView(r.dataset(), r.version())).toList();
  }

  @Transactional
  public int release(Caller caller, String usedBy) {
    return rows.release(caller.teamId(), usedBy);
  }

  /**
   * The draft version a job's output goes to: created (with the dataset, in the job's project, when
   * there is none of that name) on the first call, the same one on every later call for that job.
   */
  @Transactional
  public VersionView outputVersion(Caller caller, String projectId, String name, String jobId, String message) {
    if (name == null || !NAME.matcher(name).matches() || name.startsWith(Views.DATASET + "_")) {
      throw new InvalidRequestException("dataset", "must be 1-63 lower-case letters, digits, '.', '_' or '-', not starting with 'ds_'");
    }
    Dataset d = datasets.findByTeamIdAndName(caller.teamId(), name).orElseGet(() -> datasets.saveAndFlush(new Dataset(
        PublicId.newUuid(), caller.teamId(), ProjectDirectory.canonical(projectId), name, null, null, caller.userId(), clock.instant())));
    d = datasets.findForUpdateByTeamIdAndId(caller.teamId(), d.getId()).orElseThrow();
    var existing = versions.findByTeamIdAndDatasetIdAndProducedByJob(caller.teamId(), d.getId(), jobId);
    if (existing.isPresent()) {
      return versionView(d, existing.get());
    }
    DatasetVersion v = new DatasetVersion(PublicId.newUuid(), d, d.nextVersion(), message, jobId, caller.userId(), clock.instant());
    versions.saveAndFlush(v);
    rows.use(v.getId(), caller.teamId(), jobId, clock.instant());
    return versionView(d, v);
  }

  // ---- shared

  Dataset dataset(Caller caller, String ref) {
    if (ref != null && ref.startsWith(Views.DATASET + "_")) {
      UUID id = PublicId.require(Views.DATASET, ref, "dataset");
      return datasets.findByTeamIdAndId(caller.teamId(), id).orElseThrow(() -> new NotFoundException("dataset", ref));
    }
    return datasets.findByTeamIdAndName(caller.teamId(), ref).orElseThrow(() -> new NotFoundException("dataset", ref));
  }

  DatasetVersion version(Dataset d, String version) {
    if (version == null || version.isBlank()) {
      throw new InvalidRequestException("version", "is empty");
    }
    if (version.chars().allMatch(Character::isDigit) && version.length() < 10) {
      int number = Integer.parseInt(version);
      return versions.findByTeamIdAndDatasetIdAndNumber(d.getTeamId(), d.getId(), number)
          .orElseThrow(() -> new NotFoundException("version", d.getName() + ":" + version));
    }
    if (version.startsWith(Views.VERSION + "_")) {
      UUID id = PublicId.require(Views.VERSION, version, "version");
      return versions.findByTeamIdAndId(d.getTeamId(), id).filter(v -> v.getDatasetId().equals(d.getId()))
          .orElseThrow(() -> new NotFoundException("version", version));
    }
    UUID id = rows.tagged(d.getId(), version).orElseThrow(() -> new NotFoundException("version", d.getName() + ":" + version));
    return versions.findByTeamIdAndId(d.getTeamId(), id).orElseThrow();
  }

  Bucket bucketOf(Dataset d) {
    StorageProvider p = d.getStorageProviderId() == null ? null
        : providers.require(d.getTeamId(), dev.incline.platform.id.PublicId.encode(dev.incline.storage.provider.ProviderView.PREFIX,
            d.getStorageProviderId()));
    return buckets.of(p);
  }

  static String prefix(Dataset d, DatasetVersion v) {
    return BucketLayout.datasetVersion(d.getTeamId(), Views.datasetId(d.getId()), v.getNumber());
  }

  DatasetView view(Dataset d) {
    Integer latest = rows.tagged(d.getId(), LATEST).flatMap(id -> versions.findByTeamIdAndId(d.getTeamId(), id))
        .map(DatasetVersion::getNumber).orElse(null);
    return new DatasetView(Views.datasetId(d.getId()), d.getProjectId(), d.getName(), d.getDescription(),
        d.getStorageProviderId() == null ? null : PublicId.encode(dev.incline.storage.provider.ProviderView.PREFIX, d.getStorageProviderId()),
        latest, d.getCreatedBy(), d.getCreatedAt());
  }

  VersionView versionView(Dataset d, DatasetVersion v) {
    DatasetRows.Stats s = rows.stats(List.of(v.getId())).get(v.getId());
    return versionView(d, v, s, rows.tags(d.getId()).get(v.getId()), rows.usedBy(v.getId()));
  }

  private static VersionView versionView(Dataset d, DatasetVersion v, DatasetRows.Stats s, List<String> tags, List<String> users) {
    return new VersionView(Views.versionId(v.getId()), Views.datasetId(d.getId()), d.getName(), v.getNumber(), v.getStatus(),
        v.getMessage(), s == null ? 0 : s.files(), s == null ? 0 : s.bytes(), tags == null ? List.of() : tags, v.getCreatedBy(),
        v.getProducedByJob(), users == null ? List.of() : users, v.getCreatedAt(), v.getCommittedAt());
  }
}
