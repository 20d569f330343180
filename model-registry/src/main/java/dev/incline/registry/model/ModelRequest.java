package dev.incline.registry.model;

/** {@code POST /api/v1/models}. */
public record ModelRequest(String projectId, String name, String format, String description) {}
