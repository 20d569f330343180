{{/* Prefix of every object name: the release name unless fullnameOverride is set. */}}
{{- define "incline.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "incline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; call with (dict "root" $ "component" "job-service"). */}}
{{- define "incline.labels" -}}
helm.sh/chart: {{ include "incline.chart" .root }}
{{ include "incline.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: incline
{{- end -}}

{{- define "incline.selectorLabels" -}}
app.kubernetes.io/name: incline
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* <registry>/<repository>:<tag>; call with (dict "root" $ "repository" "incline-agent"). */}}
{{- define "incline.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "incline.serviceAccountName" -}}
{{- printf "%s-job-service" (include "incline.fullname" .) -}}
{{- end -}}

{{- define "incline.internalTokenSecretName" -}}
{{- default (printf "%s-internal-token" (include "incline.fullname" .)) .Values.internalToken.existingSecret -}}
{{- end -}}

{{- define "incline.postgresqlSecretName" -}}
{{- default (printf "%s-postgresql" (include "incline.fullname" .)) .Values.postgresql.existingSecret -}}
{{- end -}}

{{- define "incline.s3SecretName" -}}
{{- default (printf "%s-s3" (include "incline.fullname" .)) .Values.s3.existingSecret -}}
{{- end -}}

{{- define "incline.storageEncryptionSecretName" -}}
{{- default (printf "%s-storage-encryption" (include "incline.fullname" .)) .Values.storageService.encryption.existingSecret -}}
{{- end -}}

{{/* Base URL of a service inside the release's namespace; call with (dict "root" $ "name" "job-service" "service" .Values.jobService). */}}
{{- define "incline.url" -}}
{{- printf "http://%s-%s:%v" (include "incline.fullname" .root) .name .service.port -}}
{{- end -}}

{{/*
The AES keys of storage-service as a YAML list of {id, env, secret, key}: the active key first,
then storageService.encryption.previousKeys. env is the variable the Deployment fills from the
Secret and the configuration names in a placeholder. Fails on an unusable id.
*/}}
{{- define "incline.storageService.encryptionKeys" -}}
{{- $enc := .Values.storageService.encryption -}}
{{- $ownSecret := printf "%s-storage-encryption" (include "incline.fullname" .) -}}
{{- $keys := list (dict "id" (toString $enc.keyId) "env" "ENCRYPTION_KEY"
      "secret" (include "incline.storageEncryptionSecretName" .)
      "key" (ternary $enc.existingSecretKey "encryption-key" (not (empty $enc.existingSecret)))) -}}
{{- range $i, $p := $enc.previousKeys -}}
{{- if not $p.existingSecret -}}
{{- fail (printf "storageService.encryption.previousKeys[%d]: existingSecret is required" $i) -}}
{{- end -}}
{{- if and (eq $p.existingSecret $ownSecret) (not $enc.existingSecret) -}}
{{- fail (printf "storageService.encryption.previousKeys[%d] names %s, which still holds the active key: put the new key in a new existingSecret (docs/operations/kubernetes.md, rotation)" $i $ownSecret) -}}
{{- end -}}
{{- $keys = append $keys (dict "id" (toString $p.id) "env" (printf "ENCRYPTION_KEY_PREVIOUS_%d" $i)
      "secret" $p.existingSecret "key" (default "encryption-key" $p.existingSecretKey)) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $keys -}}
{{- if not (regexMatch "^[A-Za-z0-9_-]+$" .id) -}}
{{- fail (printf "storageService.encryption: key id %q must be letters, digits, - or _" .id) -}}
{{- end -}}
{{- if hasKey $seen .id -}}
{{- fail (printf "storageService.encryption: key id %q is used twice" .id) -}}
{{- end -}}
{{- $_ := set $seen .id true -}}
{{- end -}}
{{- toYaml $keys -}}
{{- end -}}

{{/* JDBC URL of one service's schema; call with (dict "root" $ "schema" "jobs"). */}}
{{- define "incline.jdbcUrl" -}}
{{- $url := .root.Values.postgresql.url -}}
{{- printf "%s%scurrentSchema=%s" $url (ternary "&" "?" (contains "?" $url)) .schema -}}
{{- end -}}

{{/* Spring datasource and Flyway settings of one service; call with (dict "root" $ "schema" "jobs"). */}}
{{- define "incline.datasource" -}}
datasource:
  url: {{ include "incline.jdbcUrl" . | quote }}
  username: {{ .root.Values.postgresql.username | quote }}
flyway:
  schemas: {{ .schema }}
  default-schema: {{ .schema }}
{{- end -}}

{{/* Environment shared by every service: namespace, JVM options, the internal token, the database password. */}}
{{- define "incline.commonEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: optional:file:/config/
- name: JAVA_TOOL_OPTIONS
  value: {{ .service.javaOpts | quote }}
- name: INCLINE_INTERNAL_TOKEN_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "incline.internalTokenSecretName" .root }}
      key: {{ ternary .root.Values.internalToken.existingSecretKey "secret" (not (empty .root.Values.internalToken.existingSecret)) }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "incline.postgresqlSecretName" .root }}
      key: {{ ternary .root.Values.postgresql.existingSecretPasswordKey "password" (not (empty .root.Values.postgresql.existingSecret)) }}
{{- end -}}

{{/* The object store's credentials, for the services that talk to S3 (job-service, storage-service, model-registry). */}}
{{- define "incline.s3Env" -}}
- name: INCLINE_S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "incline.s3SecretName" . }}
      key: {{ ternary .Values.s3.existingSecretAccessKeyKey "accessKey" (not (empty .Values.s3.existingSecret)) }}
- name: INCLINE_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "incline.s3SecretName" . }}
      key: {{ ternary .Values.s3.existingSecretSecretKeyKey "secretKey" (not (empty .Values.s3.existingSecret)) }}
{{- end -}}

{{/*
A service's Deployment; call with (dict "root" $ "name" "job-service" "service" .Values.jobService
"config" <rendered config> "env" <extra env YAML> "serviceAccount" <name or "">).
*/}}
{{- define "incline.deployment" -}}
{{- $root := .root -}}
{{- $fullname := printf "%s-%s" (include "incline.fullname" $root) .name -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "incline.labels" (dict "root" $root "component" .name) | nindent 4 }}
spec:
  {{- if not .service.autoscaling.enabled }}
  replicas: {{ .service.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "incline.selectorLabels" (dict "root" $root "component" .name) | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "incline.selectorLabels" (dict "root" $root "component" .name) | nindent 8 }}
      annotations:
        # rolls the pods when their configuration changes
        checksum/config: {{ .config | sha256sum }}
        {{- with .service.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- if .serviceAccount }}
      serviceAccountName: {{ .serviceAccount }}
      automountServiceAccountToken: true
      {{- else }}
      automountServiceAccountToken: false
      {{- end }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      # graceful shutdown (server.shutdown=graceful) ends open SSE streams first
      terminationGracePeriodSeconds: 45
      containers:
        - name: {{ .name }}
          image: {{ include "incline.image" (dict "root" $root "repository" .service.image.repository) | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .service.port }}
              protocol: TCP
          env:
            {{- include "incline.commonEnv" (dict "root" $root "service" .service) | nindent 12 }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .service.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            periodSeconds: 5
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /actuator/health/liveness
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /actuator/health/readiness
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml .service.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: config
              mountPath: /config
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: {{ $fullname }}
        - name: tmp
          emptyDir:
            # model-registry spools uploads here (modelRegistry.tmpSizeLimit); the others only need a little
            sizeLimit: {{ .service.tmpSizeLimit | default "1Gi" }}
      # replicas on different nodes where possible, so that one node's loss leaves the service up
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "incline.selectorLabels" (dict "root" $root "component" .name) | nindent 14 }}
      {{- with .service.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .service.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .service.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A service's Service; call with (dict "root" $ "name" "job-service" "service" .Values.jobService). */}}
{{- define "incline.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "incline.fullname" .root }}-{{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "incline.labels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "incline.selectorLabels" (dict "root" .root "component" .name) | nindent 4 }}
  ports:
    - name: http
      port: {{ .service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/* A service's HorizontalPodAutoscaler on CPU. */}}
{{- define "incline.hpa" -}}
{{- if .service.autoscaling.enabled -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "incline.fullname" .root }}-{{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "incline.labels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "incline.fullname" .root }}-{{ .name }}
  minReplicas: {{ .service.autoscaling.minReplicas }}
  maxReplicas: {{ .service.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .service.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}
{{- end -}}

{{/* A service's PodDisruptionBudget. */}}
{{- define "incline.pdb" -}}
{{- if .service.podDisruptionBudget.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "incline.fullname" .root }}-{{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "incline.labels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  minAvailable: {{ .service.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      {{- include "incline.selectorLabels" (dict "root" .root "component" .name) | nindent 6 }}
{{- end -}}
{{- end -}}
