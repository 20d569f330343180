package dev.incline.jobs.job;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores the status by its API name, so that the table reads like the API. */
@Converter(autoApply = true)
class JobStatusConverter implements AttributeConverter<JobStatus, String> {
  @Override
  public String convertToDatabaseColumn(JobStatus status) {
    return status == null ? null : status.wire();
  }

  @Override
  public JobStatus convertToEntityAttribute(String value) {
    return value == null ? null : JobStatus.fromWire(value);
  }
}
