{{/*
Spring configuration of job-service (mounted as /config/job-service.yaml). Secrets are not here:
they come as environment variables from Secrets. Map keys that are not plain property names (node
labels: Spring drops the "/" of nvidia.com/gpu.product otherwise; team ids, to be safe) are written
in Spring's bracket notation so that they bind unchanged.
*/}}
{{- define "incline.config.jobService" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.jobService.base" .)) (deepCopy .Values.jobService.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.jobService.base" -}}
{{- $fullname := include "incline.fullname" . -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "jobs") | nindent 2 }}
incline:
  s3:
    {{- include "incline.config.s3" . | nindent 4 }}
  compute:
    {{- include "incline.config.compute" . | nindent 4 }}
  jobs:
    agent-url: {{ printf "http://%s-job-service.%s.svc:%v" $fullname .Release.Namespace .Values.jobService.port | quote }}
    storage-url: {{ include "incline.url" (dict "root" . "name" "storage-service" "service" .Values.storageService) | quote }}
    default-image: {{ .Values.jobService.defaultImage | quote }}
    default-machine-type: {{ .Values.jobService.defaultMachineType | quote }}
  machine-types:
    {{- range .Values.machineTypes }}
    - name: {{ .name | quote }}
      cpu: {{ .cpu }}
      memory-gib: {{ .memoryGib }}
      {{- with .gpu }}
      gpu:
        count: {{ .count }}
        model: {{ .model | quote }}
      {{- end }}
      {{- with .nodeSelector }}
      node-selector:
        {{- range $label, $value := . }}
        {{ printf "[%s]" $label | quote }}: {{ $value | quote }}
        {{- end }}
      {{- end }}
    {{- end }}
{{- end -}}

{{/*
incline.compute.* of the services that act on the cluster, job-service, deployment-service and
notebook-service: the kubernetes runtime, with the same team namespaces, quotas, workload role and
ServiceAccount for all, so that each converges a team's namespace (its quota, NetworkPolicy,
RoleBinding incline-controller) to the same objects and none undoes what another wrote.
*/}}
{{- define "incline.config.compute" -}}
{{- $k := .Values.kubernetes -}}
runtime: kubernetes
kubernetes:
  namespace-prefix: {{ $k.namespacePrefix | quote }}
  agent-image: {{ include "incline.image" (dict "root" . "repository" .Values.agent.image.repository) | quote }}
  workload-cluster-role: {{ .Values.rbac.workloadClusterRole | quote }}
  controller-service-account: {{ include "incline.serviceAccountName" . | quote }}
  controller-namespace: {{ .Release.Namespace | quote }}
  ttl-seconds-after-finished: {{ $k.ttlSecondsAfterFinished }}
  gpu-resource: {{ $k.gpuResource | quote }}
  gpu-taint-key: {{ $k.gpuTaintKey | quote }}
  storage-class: {{ $k.storageClass | quote }}
  storage-size: {{ $k.storageSize | quote }}
  kueue:
    enabled: {{ $k.kueue.enabled }}
    queue-name: {{ $k.kueue.queueName | quote }}
    cluster-queue: {{ $k.kueue.clusterQueue | quote }}
  quota:
    default:
      {{- include "incline.config.quota" .Values.quotas.default | nindent 6 }}
    {{- with .Values.quotas.teams }}
    teams:
      {{- range $team, $quota := . }}
      {{ printf "[%s]" $team | quote }}:
        {{- include "incline.config.quota" $quota | nindent 8 }}
      {{- end }}
    {{- end }}
{{- end -}}

{{/* incline.s3.* (shared by job-service, storage-service and model-registry; the credentials come from the Secret). */}}
{{- define "incline.config.s3" -}}
{{- with .Values.s3.endpoint }}
endpoint: {{ . | quote }}
{{- end }}
region: {{ .Values.s3.region | quote }}
bucket: {{ .Values.s3.bucket | quote }}
path-style: {{ .Values.s3.pathStyle }}
create-bucket: {{ .Values.s3.createBucket }}
{{- end -}}

{{- define "incline.config.quota" -}}
{{- if hasKey . "gpus" }}
gpus: {{ .gpus }}
{{- end }}
{{- if hasKey . "cpu" }}
cpu: {{ .cpu | quote }}
{{- end }}
{{- if hasKey . "memory" }}
memory: {{ .memory | quote }}
{{- end }}
{{- end -}}

{{/* Spring configuration of api-gateway (mounted as /config/api-gateway.yaml). */}}
{{- define "incline.config.apiGateway" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.apiGateway.base" .)) (deepCopy .Values.apiGateway.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.apiGateway.base" -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "gateway") | nindent 2 }}
incline:
  gateway:
    services:
      jobs: {{ include "incline.url" (dict "root" . "name" "job-service" "service" .Values.jobService) | quote }}
      storage: {{ include "incline.url" (dict "root" . "name" "storage-service" "service" .Values.storageService) | quote }}
      models: {{ include "incline.url" (dict "root" . "name" "model-registry" "service" .Values.modelRegistry) | quote }}
      deployments: {{ include "incline.url" (dict "root" . "name" "deployment-service" "service" .Values.deploymentService) | quote }}
      notebooks: {{ include "incline.url" (dict "root" . "name" "notebook-service" "service" .Values.notebookService) | quote }}
    rate-limit:
      requests-per-second: {{ .Values.apiGateway.rateLimit.requestsPerSecond }}
      burst: {{ .Values.apiGateway.rateLimit.burst }}
    bootstrap:
      team: {{ .Values.apiGateway.bootstrap.team | quote }}
{{- end -}}


{{/*
Spring configuration of storage-service (mounted as /config/storage-service.yaml). The encryption
keys are placeholders: Spring resolves them from environment variables that come from Secrets
(incline.storageService.encryptionEnv), so no key is ever in the ConfigMap. Key ids are written in
bracket notation so that they bind unchanged.
*/}}
{{- define "incline.config.storageService" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.storageService.base" .)) (deepCopy .Values.storageService.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.storageService.base" -}}
{{- $s := .Values.storageService -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "storage") | nindent 2 }}
incline:
  s3:
    {{- include "incline.config.s3" . | nindent 4 }}
  storage:
    services:
      jobs: {{ include "incline.url" (dict "root" . "name" "job-service" "service" .Values.jobService) | quote }}
    encryption:
      active-key: {{ $s.encryption.keyId | quote }}
      keys:
        {{- range (include "incline.storageService.encryptionKeys" . | fromYamlArray) }}
        {{ printf "[%s]" .id | quote }}: {{ printf "${%s}" .env | quote }}
        {{- end }}
    presign-ttl: {{ $s.presignTtl | quote }}
    upload-part-size: {{ $s.uploadPartSize | quote }}
    stream-part-size: {{ $s.streamPartSize | quote }}
    max-files-per-version: {{ $s.maxFilesPerVersion | int }}
{{- end -}}


{{/*
Spring configuration of model-registry (mounted as /config/model-registry.yaml). It holds no key:
model-registry seals nothing; the S3 credentials, the internal token and the database password come
as environment variables from Secrets like the other services'.
*/}}
{{- define "incline.config.modelRegistry" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.modelRegistry.base" .)) (deepCopy .Values.modelRegistry.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.modelRegistry.base" -}}
{{- $r := .Values.modelRegistry -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "registry") | nindent 2 }}
incline:
  s3:
    {{- include "incline.config.s3" . | nindent 4 }}
  registry:
    services:
      jobs: {{ include "incline.url" (dict "root" . "name" "job-service" "service" .Values.jobService) | quote }}
      storage: {{ include "incline.url" (dict "root" . "name" "storage-service" "service" .Values.storageService) | quote }}
    presign-ttl: {{ $r.presignTtl | quote }}
    max-upload-size: {{ $r.maxUploadSize | quote }}
{{- end -}}


{{/*
Spring configuration of deployment-service (mounted as /config/deployment-service.yaml). It runs
model deployments on the cluster with the kubernetes runtime, in the same team namespaces as
job-service's jobs and under the same ServiceAccount (incline.config.compute). It holds no key and
no S3 setting: replicas fetch their model through presigned URLs that model-registry signs, and the
internal token and the database password come as environment variables from Secrets.
*/}}
{{- define "incline.config.deploymentService" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.deploymentService.base" .)) (deepCopy .Values.deploymentService.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.deploymentService.base" -}}
{{- $d := .Values.deploymentService -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "deployments") | nindent 2 }}
incline:
  compute:
    {{- include "incline.config.compute" . | nindent 4 }}
  deployments:
    services:
      jobs: {{ include "incline.url" (dict "root" . "name" "job-service" "service" .Values.jobService) | quote }}
      models: {{ include "incline.url" (dict "root" . "name" "model-registry" "service" .Values.modelRegistry) | quote }}
    # the model init containers of the replicas, in the team namespaces, fetch their model's manifest here
    agent-url: {{ printf "http://%s-deployment-service.%s.svc:%v" (include "incline.fullname" .) .Release.Namespace $d.port | quote }}
    model-server:
      image: {{ include "incline.image" (dict "root" . "repository" .Values.modelServer.image.repository) | quote }}
    reconcile-interval: {{ $d.reconcileInterval | quote }}
    ready-timeout: {{ $d.readyTimeout | quote }}
    max-replicas: {{ $d.maxReplicasPerDeployment | int }}
    model-token-ttl: {{ $d.modelTokenTtl | quote }}
{{- end -}}


{{/*
Spring configuration of notebook-service (mounted as /config/notebook-service.yaml). It runs Jupyter
notebooks on the cluster with the kubernetes runtime, in the same team namespaces as job-service's
jobs and under the same ServiceAccount (incline.config.compute). It holds no key and no S3 setting;
the internal token and the database password come as environment variables from Secrets.
incline.notebooks.dataset-cache is left unset: it is only used by the local runtimes.
*/}}
{{- define "incline.config.notebookService" -}}
{{- $merged := mustMergeOverwrite (fromYaml (include "incline.config.notebookService.base" .)) (deepCopy .Values.notebookService.config) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "incline.config.notebookService.base" -}}
{{- $s := .Values.notebookService -}}
{{- $n := .Values.notebooks -}}
{{- $defaultHours := int $n.autoShutdown.defaultHours -}}
{{- $maxHours := int $n.autoShutdown.maxHours -}}
{{- if or (lt $defaultHours 1) (gt $defaultHours $maxHours) -}}
{{- fail (printf "notebooks.autoShutdown.defaultHours must be between 1 and notebooks.autoShutdown.maxHours (%d): %d" $maxHours $defaultHours) -}}
{{- end -}}
spring:
  {{- include "incline.datasource" (dict "root" . "schema" "notebooks") | nindent 2 }}
incline:
  compute:
    {{- include "incline.config.compute" . | nindent 4 }}
  notebooks:
    services:
      jobs: {{ include "incline.url" (dict "root" . "name" "job-service" "service" .Values.jobService) | quote }}
      storage: {{ include "incline.url" (dict "root" . "name" "storage-service" "service" .Values.storageService) | quote }}
    image: {{ $n.image | quote }}
    port: {{ $n.port | int }}
    default-machine-type: {{ default .Values.jobService.defaultMachineType $n.defaultMachineType | quote }}
    auto-shutdown:
      default-hours: {{ $defaultHours }}
      max-hours: {{ $maxHours }}
    idle:
      timeout: {{ $n.idle.timeout | quote }}
      check-interval: {{ $n.idle.checkInterval | quote }}
    reconcile-interval: {{ $s.reconcileInterval | quote }}
    start-timeout: {{ $n.startTimeout | quote }}
    stop-grace: {{ $n.stopGrace | quote }}
    # a notebook's init container fetches its dataset inputs here
    agent-url: {{ printf "http://%s-notebook-service.%s.svc:%v" (include "incline.fullname" .) .Release.Namespace $s.port | quote }}
{{- end -}}
