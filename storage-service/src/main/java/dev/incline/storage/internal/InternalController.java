package dev.incline.storage.internal;

import dev.incline.platform.security.Caller;
import dev.incline.storage.dataset.DatasetService;
import dev.incline.storage.dataset.FileService;
import dev.incline.storage.dataset.Views.Manifest;
import dev.incline.storage.dataset.Views.VersionView;
import dev.incline.storage.secret.SecretService;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * What other services ask of this one while building workloads. The gateway routes no
 * {@code /internal} path, so only services holding the internal token key reach these, and the
 * token's team still scopes every answer.
 */
@RestController
class InternalController {

  private final DatasetService datasets;
  private final FileService files;
  private final SecretService secrets;

  InternalController(DatasetService datasets, FileService files, SecretService secrets) {
    this.datasets = datasets;
    this.files = files;
    this.secrets = secrets;
  }

  record UseRequest(List<String> refs, String usedBy) {}

  record UseResponse(List<VersionView> versions) {}

  /** Resolves references (committed versions only) and records the user, all or none; errors name {@code refs[i]}. */
  @PostMapping("/internal/v1/dataset-refs/use")
  UseResponse use(Caller caller, @RequestBody UseRequest request) {
    return new UseResponse(datasets.use(caller, request.refs() == null ? List.of() : request.refs(), request.usedBy(), true));
  }

  @DeleteMapping("/internal/v1/dataset-usages/{usedBy}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void release(Caller caller, @PathVariable String usedBy) {
    datasets.release(caller, usedBy);
  }

  @GetMapping("/internal/v1/dataset-versions/{versionId}/manifest")
  Manifest manifest(Caller caller, @PathVariable String versionId) {
    return files.manifest(caller, versionId);
  }

  record OutputRequest(String projectId, String dataset, String jobId, String message) {}

  @PostMapping("/internal/v1/dataset-outputs")
  VersionView output(Caller caller, @RequestBody OutputRequest r) {
    return datasets.outputVersion(caller, r.projectId(), r.dataset(), r.jobId(), r.message());
  }

  record ResolveSecrets(String projectId, List<String> names, Boolean reveal) {}

  record ResolvedSecrets(Map<String, String> values) {
    @Override
    public String toString() {
      return "ResolvedSecrets" + values.keySet();
    }
  }

  @PostMapping("/internal/v1/secrets/resolve")
  ResolvedSecrets resolveSecrets(Caller caller, @RequestBody ResolveSecrets r) {
    return new ResolvedSecrets(secrets.resolve(caller, r.projectId(), r.names() == null ? List.of() : r.names(),
        Boolean.TRUE.equals(r.reveal())));
  }
}
