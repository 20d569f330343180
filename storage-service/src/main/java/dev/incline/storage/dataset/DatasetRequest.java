package dev.incline.storage.dataset;

public record DatasetRequest(String projectId, String name, String description, String storageProviderId) {}
