/** @module ports: ask the kernel for free loopback ports (TCP or UDP). */
import { createServer } from 'node:net';
import { freePort } from '../../shared/src/runner/free-port.ts';
import { createSocket } from 'node:dgram';

/** A TCP port on 127.0.0.1 that was free a moment ago (bind 0, read, close). */
export const freeTcpPort = freePort;

/** A UDP port on 127.0.0.1 that was free a moment ago (for ipmi_sim). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.unref();
    sock.once('error', reject);
    sock.bind(0, host, () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

/** True when something already listens on the TCP port. */
export function isTcpPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, host, () => srv.close(() => resolve(false)));
  });
}
