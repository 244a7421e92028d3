{{/* Names, labels and the few values every template derives the same way. */}}

{{- define "kube-dpi.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kube-dpi.fullname" -}}
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

{{- define "kube-dpi.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kube-dpi.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "kube-dpi.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "kube-dpi.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kube-dpi
{{- end }}

{{- define "kube-dpi.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kube-dpi.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kube-dpi.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* group/version of DeepPacketInspection: projectcalico.org/v3, or crd.projectcalico.org/v1 where Calico's API server runs. */}}
{{- define "kube-dpi.dpiVersion" -}}
{{- if eq .Values.apiGroup "crd.projectcalico.org" }}v1{{ else }}v3{{ end }}
{{- end }}

{{- define "kube-dpi.dpiApiVersion" -}}
{{- printf "%s/%s" .Values.apiGroup (include "kube-dpi.dpiVersion" .) }}
{{- end }}

{{/* The Lease the agents elect a status pruner with (fixed name: the agent looks for it). */}}
{{- define "kube-dpi.pruneLeaseName" -}}kube-dpi-status-pruner{{- end }}

{{/* Secret holding Elasticsearch credentials: the user's, or the one this chart makes from inline values. */}}
{{- define "kube-dpi.esSecretName" -}}
{{- if .Values.elasticsearch.auth.existingSecret }}
{{- .Values.elasticsearch.auth.existingSecret }}
{{- else }}
{{- printf "%s-elasticsearch" (include "kube-dpi.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "kube-dpi.esInlineAuth" -}}
{{- $a := .Values.elasticsearch.auth }}
{{- if or $a.username $a.password $a.apiKey $a.bearerToken }}true{{ end }}
{{- end }}

{{- define "kube-dpi.esAuthEnabled" -}}
{{- if or .Values.elasticsearch.auth.existingSecret (include "kube-dpi.esInlineAuth" .) }}true{{ end }}
{{- end }}

{{/* Comma-separated sink URIs for KUBE_DPI_SINKS. */}}
{{- define "kube-dpi.sinks" -}}
{{- $sinks := list }}
{{- if .Values.elasticsearch.url }}{{ $sinks = append $sinks .Values.elasticsearch.url }}{{ end }}
{{- range .Values.alerts.extraSinks }}{{ $sinks = append $sinks . }}{{ end }}
{{- join "," $sinks }}
{{- end }}

{{- define "kube-dpi.snortConfigMapName" -}}
{{- if .Values.snortConfig.existingConfigMap }}
{{- .Values.snortConfig.existingConfigMap }}
{{- else }}
{{- printf "%s-snort-config" (include "kube-dpi.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "kube-dpi.snortOverride" -}}
{{- if or .Values.snortConfig.override .Values.snortConfig.existingConfigMap }}true{{ end }}
{{- end }}

{{- define "kube-dpi.customRules" -}}
{{- if .Values.customRules.initContainers }}true{{ end }}
{{- end }}
