package dev.incline.storage.dataset;

/**
 * A presigned multipart upload of one file.
 *
 * @param path the file's path in the version
 * @param size its exact size in bytes
 * @param sha256 its SHA-256 (hex), checked on commit; computed then when absent
 * @param partSize bytes per part; default from configuration, raised when the file needs more than 10,000 parts
 */
public record UploadRequest(String path, Long size, String sha256, Long partSize) {}
