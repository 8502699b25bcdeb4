export { describeObjectStoreContract, type ObjectStoreContractSubject } from './object-store-contract.js';
export { describeKubeTargetContract, type KubeContractSubject } from './kube-target-contract.js';
export { s3ErrorBody, startFaultyProxy, type Fault, type FaultyProxy } from './faulty-proxy.js';
export { uniqueName } from './unique-name.js';
export { describeLeaseLockContract, type LeaseLockContractSubject } from './lease-lock-contract.js';
export { describeRepositorySourceContract, type RepositorySourceSubject } from './repository-source-contract.js';
export { describeMetricSourceContract, type ExpectedSeries, type MetricSourceContractSubject } from './metric-source-contract.js';
export { closedPort } from './closed-port.js';
