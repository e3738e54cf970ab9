{{/*
Names. Kubernetes names are at most 63 characters.
*/}}
{{- define "cairn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cairn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cairn.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Labels on every object, and the subset that selects the pods.
*/}}
{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cairn.labels" -}}
helm.sh/chart: {{ include "cairn.chart" . }}
{{ include "cairn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cairn
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cairn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cairn.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The Secret holding the database URL, the admin password and S3 keys: the chart's own or an existing one.
*/}}
{{- define "cairn.secretName" -}}
{{- default (printf "%s-secrets" (include "cairn.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "cairn.sharedClaimName" -}}
{{- default (printf "%s-shared" (include "cairn.fullname" .)) .Values.blobStore.volume.existingClaim -}}
{{- end -}}

{{/*
CAIRN_BLOB_STORE for the chosen blob store.
*/}}
{{- define "cairn.blobStoreLocation" -}}
{{- if eq .Values.blobStore.type "s3" -}}
{{- $prefix := trimAll "/" (toString .Values.blobStore.s3.prefix) -}}
{{- if $prefix -}}
{{- printf "s3://%s/%s" .Values.blobStore.s3.bucket $prefix -}}
{{- else -}}
{{- printf "s3://%s" .Values.blobStore.s3.bucket -}}
{{- end -}}
{{- else -}}
/var/cairn/shared/blobs
{{- end -}}
{{- end -}}

{{/*
Checks of the values that a template cannot express by itself; a failed check stops the render.
*/}}
{{- define "cairn.validate" -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.databaseUrl) -}}
{{- fail "secrets.databaseUrl (postgres://… or mysql://…) or secrets.existingSecret is required: nodes on several hosts need PostgreSQL or MySQL/MariaDB, not the embedded SQLite" -}}
{{- end -}}
{{- if and .Values.secrets.databaseUrl (hasPrefix "sqlite:" (toString .Values.secrets.databaseUrl)) -}}
{{- fail "secrets.databaseUrl: SQLite is for one host only; use PostgreSQL or MySQL/MariaDB" -}}
{{- end -}}
{{- if not (has .Values.blobStore.type (list "volume" "s3")) -}}
{{- fail (printf "blobStore.type must be volume or s3, not %q" (toString .Values.blobStore.type)) -}}
{{- end -}}
{{- if and (eq .Values.blobStore.type "s3") (not .Values.blobStore.s3.bucket) -}}
{{- fail "blobStore.s3.bucket is required with blobStore.type s3" -}}
{{- end -}}
{{- if and (eq .Values.blobStore.type "volume") (not .Values.blobStore.volume.existingClaim) (not (has "ReadWriteMany" .Values.blobStore.volume.accessModes)) -}}
{{- fail "blobStore.volume.accessModes must include ReadWriteMany: every pod mounts the shared volume" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" -}}
{{- end -}}
{{- if and .Values.podDisruptionBudget.enabled (not (empty (toString .Values.podDisruptionBudget.minAvailable))) (not (empty (toString .Values.podDisruptionBudget.maxUnavailable))) -}}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" -}}
{{- end -}}
{{- if and (has (toString .Values.rollingUpdate.maxSurge) (list "0" "0%")) (has (toString .Values.rollingUpdate.maxUnavailable) (list "0" "0%")) -}}
{{- fail "rollingUpdate: maxSurge and maxUnavailable cannot both be 0" -}}
{{- end -}}
{{- if ge (int .Values.lifecycle.drainDelaySeconds) (int .Values.terminationGracePeriodSeconds) -}}
{{- fail "terminationGracePeriodSeconds must exceed lifecycle.drainDelaySeconds" -}}
{{- end -}}
{{- end -}}
