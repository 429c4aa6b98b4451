import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/lib/redact';
import { useLoggedApp, signInCustomer } from '../helpers/app';
import { TestClient, listen, sleep } from '../realtime/helpers';

describe('credentials in URLs are redacted by the name the server reads', () => {
  it.each([
    ['/ws?token=abc.def.ghi', '/ws?token=[redacted]'],
    ['/ws?%74oken=abc.def.ghi', '/ws?%74oken=[redacted]'],
    ['/ws?t%6F%6Ben=abc&x=1', '/ws?t%6F%6Ben=[redacted]&x=1'],
    ['/sse?rooms=a&TOKEN=abc', '/sse?rooms=a&TOKEN=[redacted]'],
    ['/ws?%74icket=abc#frag', '/ws?%74icket=[redacted]'],
    ['/x?access%5Ftoken=abc', '/x?access%5Ftoken=[redacted]'],
    ['/ws?token', '/ws?token'],
    ['/ws?%E0%A4%A=abc&token=x', '/ws?%E0%A4%A=[redacted]&token=[redacted]'],
    ['/health?rooms=a%26token%3Dnot-a-param', '/health?rooms=a%26token%3Dnot-a-param'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('realtime logs with an encoded parameter name', () => {
  const logged = useLoggedApp('debug');

  it('/ws?%74oken=JWT never writes the token to the log', async () => {
    const url = await listen(logged.app);
    const { token } = await signInCustomer(logged.app);
    const client = await TestClient.ready(`${url.ws}/ws?%74oken=${token}`);
    client.close();
    const sse = await fetch(`${url.http}/sse?%74oken=${token}`);
    await sse.body?.cancel();
    await sleep(100);
    const all = logged.lines.join('');
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(token.split('.')[2]!);
  });
});
