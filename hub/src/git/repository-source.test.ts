import { MemoryRepository } from '@driftless/fakes';
import { describeRepositorySourceContract } from '../testing/repository-source-contract.js';

describeRepositorySourceContract('MemoryRepository', () => {
  const repo = new MemoryRepository({ url: 'memory://fleet' });
  return Promise.resolve({
    source: repo,
    repo: 'memory://fleet',
    missingRepo: 'memory://other',
    commit: (files, message, branch) => Promise.resolve(repo.commit(files, message, branch)),
  });
});
