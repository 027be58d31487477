{{/* Chart name, or nameOverride. Also the scrape job's name. */}}
{{- define "cri-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the objects: fullnameOverride, else release-chart (the release name alone when it already holds the chart's). */}}
{{- define "cri-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cri-exporter.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "cri-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels: never change them on upgrade (a DaemonSet selector is immutable). */}}
{{- define "cri-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cri-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cri-exporter.labels" -}}
helm.sh/chart: {{ include "cri-exporter.chart" . }}
{{ include "cri-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: node-agent
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cri-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cri-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cri-exporter.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The scrape job: ServiceMonitor and PodMonitor take it from the app.kubernetes.io/name label. */}}
{{- define "cri-exporter.job" -}}
{{- include "cri-exporter.name" . }}
{{- end }}

{{/* Host directories of the runtime sockets, each mounted once at /host<dir>. */}}
{{- define "cri-exporter.socketDirs" -}}
{{- $sockets := list .Values.runtime.socket }}
{{- if .Values.runtime.dockerSocket }}
{{- $sockets = append $sockets .Values.runtime.dockerSocket }}
{{- end }}
{{- $dirs := list }}
{{- range $sockets }}
{{- if eq (dir .) "/" }}
{{- fail (printf "runtime: socket %s lies directly in /; its directory is mounted into the pod, and / cannot be: give the socket's real path, e.g. /run/containerd/containerd.sock" .) }}
{{- end }}
{{- $dirs = append $dirs (dir .) }}
{{- end }}
{{- $dirs | uniq | toJson }}
{{- end }}

{{/* Volume name of a socket directory: its index in socketDirs. */}}
{{- define "cri-exporter.socketVolume" -}}
{{- printf "runtime-socket-dir-%d" . }}
{{- end }}

{{/* Label selector used by the alerts and the dashboard's job variable. */}}
{{- define "cri-exporter.jobSelector" -}}
{{- printf "job=%q" (include "cri-exporter.job" .) }}
{{- end }}
