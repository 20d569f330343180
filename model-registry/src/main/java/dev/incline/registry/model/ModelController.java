package dev.incline.registry.model;

import dev.incline.platform.archive.SafeArchive;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.registry.model.Views.AliasesView;
import dev.incline.registry.model.Views.ModelView;
import dev.incline.registry.model.Views.VersionView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code {m}} is a model's id or name; {@code {v}} a version number, alias, version id or {@code latest}. */
@RestController
@RequestMapping("/api/v1/models")
class ModelController {

  private final ModelService models;

  ModelController(ModelService models) {
    this.models = models;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  ModelView create(Caller caller, @RequestBody ModelRequest request) {
    return models.create(caller, request);
  }

  @GetMapping
  PageResponse<ModelView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
    return models.list(caller, projectId, limit, cursor);
  }

  @GetMapping("/{m}")
  ModelView get(Caller caller, @PathVariable String m) {
    return models.get(caller, m);
  }

  @DeleteMapping("/{m}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String m) {
    models.delete(caller, m);
  }

  /** Registers a job's artifact: {@code {fromJob: {jobId, path}, metadata?, metrics?}}. */
  @PostMapping(path = "/{m}/versions", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  VersionView fromJob(Caller caller, @PathVariable String m, @RequestBody VersionRequest request) {
    if (request == null || request.fromJob() == null) {
      throw new InvalidRequestException("fromJob", "is required in a JSON body; upload a file as application/octet-stream, "
          + "or a directory as application/gzip or application/zip");
    }
    return models.fromJob(caller, m, request);
  }

  /** The body is the model file, streamed; {@code metadata} and {@code metrics} are JSON objects. */
  @PostMapping(path = "/{m}/versions", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  VersionView upload(Caller caller, @PathVariable String m, @RequestParam(required = false) String fileName,
      @RequestParam(required = false) String metadata, @RequestParam(required = false) String metrics,
      HttpServletRequest request) throws IOException {
    return models.upload(caller, m, request.getInputStream(), fileName, metadata, metrics);
  }

  /**
   * The body is a directory as one archive, streamed: {@code application/gzip} (a .tar.gz or .tgz),
   * {@code application/zip} or {@code application/x-tar}; its files become the version's files.
   */
  @PostMapping(path = "/{m}/versions", consumes = {"application/gzip", "application/x-gzip", "application/zip",
      "application/x-tar"})
  @ResponseStatus(HttpStatus.CREATED)
  VersionView uploadArchive(Caller caller, @PathVariable String m, @RequestParam(required = false) String fileName,
      @RequestParam(required = false) String metadata, @RequestParam(required = false) String metrics,
      HttpServletRequest request) throws IOException {
    SafeArchive.Format format = ModelArchive.format(MediaType.parseMediaType(request.getContentType()));
    return models.uploadArchive(caller, m, request.getInputStream(), format, fileName, metadata, metrics);
  }

  @GetMapping("/{m}/versions")
  PageResponse<VersionView> versions(Caller caller, @PathVariable String m, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return models.listVersions(caller, m, limit, cursor);
  }

  @GetMapping("/{m}/versions/{v}")
  VersionView version(Caller caller, @PathVariable String m, @PathVariable String v) {
    return models.version(caller, m, v);
  }

  /** 302 to a presigned download, or {@code {"url": …}} with {@code ?redirect=false}. */
  @GetMapping("/{m}/versions/{v}/files/{*path}")
  ResponseEntity<?> file(Caller caller, @PathVariable String m, @PathVariable String v, @PathVariable String path,
      @RequestParam(defaultValue = "true") boolean redirect) {
    String file = path.startsWith("/") ? path.substring(1) : path;
    URI url = URI.create(models.downloadUrl(caller, m, v, file).toString());
    return redirect ? ResponseEntity.status(HttpStatus.FOUND).location(url).build()
        : ResponseEntity.ok(Map.of("url", url.toString()));
  }

  @GetMapping("/{m}/aliases")
  AliasesView aliases(Caller caller, @PathVariable String m) {
    return models.aliases(caller, m);
  }

  record AliasRequest(Integer version) {}

  @PutMapping("/{m}/aliases/{alias}")
  VersionView setAlias(Caller caller, @PathVariable String m, @PathVariable String alias, @RequestBody AliasRequest request) {
    return models.setAlias(caller, m, alias, request == null ? null : request.version());
  }

  @DeleteMapping("/{m}/aliases/{alias}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void removeAlias(Caller caller, @PathVariable String m, @PathVariable String alias) {
    models.removeAlias(caller, m, alias);
  }
}
