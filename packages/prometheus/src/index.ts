export { createPrometheusSource, type PrometheusSourceOptions } from './prometheus-source.js';
