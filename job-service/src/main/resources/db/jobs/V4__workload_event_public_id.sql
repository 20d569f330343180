-- Other services (deployment-service, notebook-service) record their workloads' status changes on the
-- team's event stream; their ids carry their own prefix, so the public id is kept as given.
ALTER TABLE workload_event ADD COLUMN public_id text;
