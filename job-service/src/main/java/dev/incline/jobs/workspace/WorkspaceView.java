package dev.incline.jobs.workspace;

import dev.incline.platform.id.PublicId;
import java.time.Instant;

public record WorkspaceView(String uploadId, String fileName, String status, long size, long unpackedSize, Instant createdAt) {

  public static final String PREFIX = "upl";

  static WorkspaceView of(WorkspaceUpload u) {
    return new WorkspaceView(PublicId.encode(PREFIX, u.getId()), u.getFileName(), u.getStatus(), u.getSizeBytes(),
        u.getUnpackedBytes(), u.getCreatedAt());
  }
}
