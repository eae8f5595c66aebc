/**
 * The watcher's bus setting: a URL our consumer cannot use is refused at start with a reason, and
 * the refusal never repeats the URL's password.
 */
import { describe, expect, it } from '@jest/globals';
import { startWatcher } from '../src/index.ts';

describe('IRONIC_NOTIFICATIONS_URL', () => {
  it.each([
    ['amqps://ironic:pw-0x5ecret@bus.example:5671/', /TLS is not supported/],
    ['http://ironic:pw-0x5ecret@bus.example/', /an amqp:\/\/ URL/],
  ])('refuses %s before starting anything, without its password', async (url, reason) => {
    // Act
    const started = startWatcher({ K_SINK: 'http://broker.example/', IRONIC_NOTIFICATIONS_URL: url });
    // Assess
    await expect(started).rejects.toThrow(reason);
    await expect(started).rejects.toThrow(/IRONIC_NOTIFICATIONS_URL/);
    const message = await started.then(() => '', (e: Error) => `${e.message}\n${e.stack ?? ''}`);
    expect(message).not.toContain('pw-0x5ecret');
  });
});
