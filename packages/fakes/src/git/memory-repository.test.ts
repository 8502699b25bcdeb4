import { describeRepositorySourceContract } from '@driftless/contracts';
import { MemoryRepository } from './memory-repository.js';

describeRepositorySourceContract('MemoryRepository', () => {
  const repo = new MemoryRepository({ url: 'memory://fleet' });
  return Promise.resolve({
    source: repo,
    repo: 'memory://fleet',
    missingRepo: 'memory://other',
    commit: (files, message, branch) => Promise.resolve(repo.commit(files, message, branch)),
  });
});
