import { describe, expect, it } from '@jest/globals';
import { NO_DATA, parseVpcFlowLine } from './vpc-flow-log.js';

const line = '2 acc_01ABC vm_01XYZ 10.0.1.1 8.8.8.8 40000 443 6 10 8400 1767225600 1767225660 ACCEPT OK';

describe('reading a VPC flow log v2 line', () => {
  it('given a default-format line, then account-id and interface-id name our account and resource', () => {
    expect(parseVpcFlowLine(line)).toMatchObject({ ok: true, value: { accountId: 'acc_01ABC', interfaceId: 'vm_01XYZ', bytes: 8400n, packets: 10n, dstPort: 443 } });
  });

  it('given REJECT, then the flow is marked refused by the data plane', () => {
    const r = parseVpcFlowLine(line.replace('ACCEPT', 'REJECT'));
    expect(r.ok && r.value.refused).toBe(true);
  });

  it('given NODATA, then there is nothing to count', () => {
    expect(parseVpcFlowLine('2 acc_01ABC vm_01XYZ - - - - - - - 1767225600 1767225660 - NODATA')).toEqual({ ok: false, reason: NO_DATA });
  });

  it.each(['', '2 acc_1', line.replace('8400', '-8'), line.replace('10.0.1.1', '10.0.1'), line.replace(/^2/, '3'), line.replace('1767225660', '1767225000')])(
    'given a malformed line (%p), then it is refused',
    (bad) => expect(parseVpcFlowLine(bad).ok).toBe(false),
  );
});
