package dev.incline.notebooks.agent;

import dev.incline.notebooks.datasets.DatasetInputs;
import dev.incline.notebooks.notebook.Notebook;
import dev.incline.notebooks.notebook.NotebookIds;
import dev.incline.notebooks.notebook.NotebookInput;
import dev.incline.notebooks.notebook.NotebookRepository;
import dev.incline.notebooks.notebook.NotebookService;
import dev.incline.platform.error.NotFoundException;
import io.swagger.v3.oas.annotations.Hidden;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * For the agent's {@code fetch-datasets} init container of a notebook's pod on Kubernetes: the files of
 * the notebook's dataset inputs with fresh presigned URLs, in the agent's format (tab-separated
 * {@code versionId, mountAs, path (percent-encoded), size, sha256, url}). The path is the one the agent
 * asks for jobs ({@code /internal/v1/jobs/{id}/datasets}, the id being the workload's): the agent serves
 * every kind of workload with one command.
 */
@RestController
@Hidden // not part of the public API: the gateway does not route /internal/**
class AgentDatasetsController {

  private static final MediaType TSV = MediaType.parseMediaType("text/tab-separated-values;charset=UTF-8");

  private final NotebookRepository notebooks;
  private final NotebookService service;
  private final DatasetInputs datasets;

  AgentDatasetsController(NotebookRepository notebooks, NotebookService service, DatasetInputs datasets) {
    this.notebooks = notebooks;
    this.service = service;
    this.datasets = datasets;
  }

  @GetMapping("/internal/v1/jobs/{id}/datasets")
  ResponseEntity<String> datasets(@AuthenticationPrincipal Jwt token, @PathVariable String id) {
    NotebookTokens.Claims claims = NotebookTokens.Claims.forNotebook(token, id);
    Notebook n = NotebookIds.decode(id).flatMap(uuid -> notebooks.findByTeamIdAndId(claims.teamId(), uuid))
        .filter(x -> !x.isDeleted())
        .orElseThrow(() -> new NotFoundException("notebook", id));
    StringBuilder out = new StringBuilder();
    for (NotebookInput in : service.inputs(n)) {
      for (DatasetInputs.ManifestFile f : datasets.manifest(n.getTeamId(), in.versionId())) {
        out.append(in.versionId()).append('\t').append(in.mountAs()).append('\t')
            .append(URLEncoder.encode(f.path(), StandardCharsets.UTF_8)).append('\t')
            .append(f.size()).append('\t').append(f.sha256() == null ? "" : f.sha256()).append('\t')
            .append(f.url()).append('\n');
      }
    }
    return ResponseEntity.ok().contentType(TSV).body(out.toString());
  }
}
