package dev.incline.storage.dataset;

import dev.incline.platform.paging.PageResponse;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import dev.incline.storage.dataset.Views.DatasetView;
import dev.incline.storage.dataset.Views.FileView;
import dev.incline.storage.dataset.Views.UploadView;
import dev.incline.storage.dataset.Views.VersionView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code {ref}} is a dataset's id or name; {@code {v}} a version number, tag or version id. */
@RestController
@RequestMapping("/api/v1/datasets")
class DatasetController {

  private final DatasetService datasets;
  private final FileService files;

  DatasetController(DatasetService datasets, FileService files) {
    this.datasets = datasets;
    this.files = files;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  DatasetView create(Caller caller, @RequestBody DatasetRequest request) {
    caller.require(Role.MEMBER);
    return datasets.create(caller, request);
  }

  @GetMapping
  PageResponse<DatasetView> list(Caller caller, @RequestParam(required = false) String projectId,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
    return datasets.list(caller, projectId, limit, cursor);
  }

  @GetMapping("/{ref}")
  DatasetView get(Caller caller, @PathVariable String ref) {
    return datasets.get(caller, ref);
  }

  @DeleteMapping("/{ref}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void delete(Caller caller, @PathVariable String ref) {
    caller.require(Role.ADMIN);
    datasets.delete(caller, ref);
  }

  record VersionRequest(String message) {}

  @PostMapping("/{ref}/versions")
  @ResponseStatus(HttpStatus.CREATED)
  VersionView createVersion(Caller caller, @PathVariable String ref, @RequestBody(required = false) VersionRequest request) {
    return datasets.createVersion(caller, ref, request == null ? null : request.message());
  }

  @GetMapping("/{ref}/versions")
  PageResponse<VersionView> versions(Caller caller, @PathVariable String ref, @RequestParam(required = false) Integer limit,
      @RequestParam(required = false) String cursor) {
    return datasets.listVersions(caller, ref, limit, cursor);
  }

  @GetMapping("/{ref}/versions/{v}")
  VersionView version(Caller caller, @PathVariable String ref, @PathVariable String v) {
    return datasets.version(caller, ref, v);
  }

  @DeleteMapping("/{ref}/versions/{v}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void deleteVersion(Caller caller, @PathVariable String ref, @PathVariable String v) {
    datasets.deleteVersion(caller, ref, v);
  }

  @PostMapping("/{ref}/versions/{v}/commit")
  VersionView commit(Caller caller, @PathVariable String ref, @PathVariable String v) {
    return files.commit(caller, ref, v);
  }

  /** The body is the file, streamed; {@code X-Content-SHA256} (hex), when sent, is checked. */
  @PutMapping("/{ref}/versions/{v}/files/{*path}")
  ResponseEntity<FileView> put(Caller caller, @PathVariable String ref, @PathVariable String v, @PathVariable String path,
      @RequestHeader(name = "X-Content-SHA256", required = false) String sha256, HttpServletRequest request) throws IOException {
    return ResponseEntity.status(HttpStatus.CREATED)
        .body(files.put(caller, ref, v, strip(path), request.getInputStream(), sha256));
  }

  @DeleteMapping("/{ref}/versions/{v}/files/{*path}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void deleteFile(Caller caller, @PathVariable String ref, @PathVariable String v, @PathVariable String path) {
    files.delete(caller, ref, v, strip(path));
  }

  /**
   * {@code .../files} lists (paged, {@code ?prefix=}); {@code .../files/<path>} answers 302 to a
   * presigned download, or {@code {"url": …}} with {@code ?redirect=false}.
   */
  @GetMapping({"/{ref}/versions/{v}/files", "/{ref}/versions/{v}/files/{*path}"})
  ResponseEntity<?> files(Caller caller, @PathVariable String ref, @PathVariable String v,
      @PathVariable(required = false) String path, @RequestParam(required = false) String prefix,
      @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor,
      @RequestParam(defaultValue = "true") boolean redirect) {
    String file = path == null ? "" : strip(path);
    if (file.isEmpty()) {
      return ResponseEntity.ok(files.list(caller, ref, v, prefix, limit, cursor));
    }
    URI url = URI.create(files.downloadUrl(caller, ref, v, file).toString());
    return redirect ? ResponseEntity.status(HttpStatus.FOUND).location(url).build()
        : ResponseEntity.ok(Map.of("url", url.toString()));
  }

  @PostMapping("/{ref}/versions/{v}/uploads")
  @ResponseStatus(HttpStatus.CREATED)
  UploadView startUpload(Caller caller, @PathVariable String ref, @PathVariable String v, @RequestBody UploadRequest request) {
    return files.startUpload(caller, ref, v, request);
  }

  @GetMapping("/{ref}/versions/{v}/uploads/{upload}")
  UploadView upload(Caller caller, @PathVariable String ref, @PathVariable String v, @PathVariable String upload) {
    return files.upload(caller, ref, v, upload);
  }

  @PostMapping("/{ref}/versions/{v}/uploads/{upload}/complete")
  FileView complete(Caller caller, @PathVariable String ref, @PathVariable String v, @PathVariable String upload) {
    return files.completeUpload(caller, ref, v, upload);
  }

  @DeleteMapping("/{ref}/versions/{v}/uploads/{upload}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void abort(Caller caller, @PathVariable String ref, @PathVariable String v, @PathVariable String upload) {
    caller.require(Role.MEMBER);
    files.abortUpload(caller, ref, v, upload);
  }

  record TagRequest(Integer version) {}

  @PutMapping("/{ref}/tags/{tag}")
  VersionView tag(Caller caller, @PathVariable String ref, @PathVariable String tag, @RequestBody TagRequest request) {
    return datasets.tag(caller, ref, tag, request.version());
  }

  @DeleteMapping("/{ref}/tags/{tag}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void untag(Caller caller, @PathVariable String ref, @PathVariable String tag) {
    datasets.untag(caller, ref, tag);
  }

  /** {@code {*path}} captures with its leading '/'. */
  private static String strip(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }
}
