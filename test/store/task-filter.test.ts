// The visibility check an employee's task list carries is dropped only when the rest of the
// filter implies it; the store contract checks that lists come out the same either way.

import { expect } from 'chai';
import { simplifyTaskFilter } from '../../engine/store/task-filter.ts';

describe('simplifyTaskFilter', () => {
  const visibleTo = { username: 'ann', groups: ['sales', 'support'] };

  it('drops visibility that an own group, own name or own assignment implies', () => {
    expect(simplifyTaskFilter({ visibleTo, candidateGroups: ['sales'], state: 'open', limit: 50 })).to.deep.equal({ candidateGroups: ['sales'], state: 'open', limit: 50 });
    expect(simplifyTaskFilter({ visibleTo, candidateGroups: ['sales', 'support'] })).to.deep.equal({ candidateGroups: ['sales', 'support'] });
    expect(simplifyTaskFilter({ visibleTo, assignee: 'ann' })).to.deep.equal({ assignee: 'ann' });
    expect(simplifyTaskFilter({ visibleTo, candidateUser: 'ann' })).to.deep.equal({ candidateUser: 'ann' });
  });

  it('keeps it when the filter reaches beyond what the user may see', () => {
    for (const filter of [
      { visibleTo, candidateGroups: ['warehouse'] },
      { visibleTo, candidateGroups: ['sales', 'warehouse'] },
      { visibleTo, candidateGroups: [] },
      { visibleTo, assignee: 'bob' },
      { visibleTo, candidateUser: 'bob' },
      { visibleTo, state: 'open' as const },
    ]) {
      expect(simplifyTaskFilter(filter)).to.deep.equal(filter);
    }
  });
});
