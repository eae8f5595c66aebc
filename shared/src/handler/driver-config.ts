/** @module handler/driver-config: FunctionConfig → the Ironic driver mapping's configuration. */
import type { IronicDriverConfig } from '../bmc/access-details.ts';
import type { FunctionConfig } from './config.ts';

export function driverConfigOf(config: FunctionConfig): IronicDriverConfig {
  const out: IronicDriverConfig = {
    allowFake: config.ENABLE_FAKE_BMC,
    byType: config.interfaces as IronicDriverConfig['byType'],
  };
  if (config.IPMI_CIPHER_SUITE > 0) out.ipmiCipherSuite = config.IPMI_CIPHER_SUITE;
  if (config.REDFISH_CA_BUNDLE) out.redfishCaBundlePath = config.REDFISH_CA_BUNDLE;
  return out;
}
