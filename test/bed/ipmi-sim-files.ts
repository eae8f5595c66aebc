/**
 * @module ipmi-sim-files: the three files one OpenIPMI `ipmi_sim` BMC needs (pure text).
 *
 * Verified set-up: shared/notes/bmc-protocols.md §5.3 and ironic-stack.md §6.1.
 */

/**
 * The `chassis_control` program. ipmi_sim runs `<configured command> get power boot` or
 * `<configured command> set power 1 boot pxe …` (OpenIPMI "extcmd" protocol): `get` prints
 * one `name:value` line per parameter, `set` consumes name/value pairs; a non-zero exit
 * becomes completion code 0xFF. State lives in plain files so tests can read and flip it;
 * writes go through a rename so a reader never sees a half-written file.
 */
export const CHASSIS_SCRIPT = `#!/bin/sh
dir=$1; shift; op=$1; shift
[ -d "$dir" ] || mkdir -p "$dir"
[ -f "$dir/power" ] || echo 0 > "$dir/power"
[ -f "$dir/boot" ] || echo none > "$dir/boot"
echo "$op $*" >> "$dir/calls.log"
put() { echo "$2" > "$dir/$1.tmp.$$" && mv -f "$dir/$1.tmp.$$" "$dir/$1"; }
case $op in
  get)
    # shell builtins only on the read path: a real BMC answers a status query from memory
    for p in "$@"; do
      case $p in
        power) read -r v < "$dir/power"; echo "power:$v" ;;
        boot) read -r v < "$dir/boot"; echo "boot:$v" ;;
        *) echo "Invalid parameter: $p"; exit 1 ;;
      esac
    done ;;
  set)
    while [ $# -gt 0 ]; do
      p=$1; v=$2; shift 2
      case $p in
        power) put power "$v" ;;
        reset) : ;;
        shutdown) put power 0 ;;
        boot) put boot "$v" ;;
        identify) shift ;;
        *) echo "Invalid parameter: $p"; exit 1 ;;
      esac
    done ;;
  *) echo "Unknown operation: $op"; exit 1 ;;
esac
exit 0
`;

/** The emulator command file: one BMC at IPMB address 0x20 with a SEL. */
export const SIM_EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

export interface LanConfInput {
  /** Unique per BMC: names the persistence dir under the state dir. */
  name: string;
  port: number;
  /** 32 hex digits, unique per BMC. */
  guid: string;
  username: string;
  password: string;
  /** Absolute paths. */
  chassisScript: string;
  chassisDir: string;
}

// lan.conf strings are double-quoted and unescaped; IPMI caps user names at 16 and passwords at 20 bytes
const SAFE = /^[A-Za-z0-9._@%+=:,-]+$/;

/** lan.conf for one BMC on 127.0.0.1:<port>, user 2 with admin rights, MD5 auth for IPMI 1.5. */
export function lanConf({ name, port, guid, username, password, chassisScript, chassisDir }: LanConfInput): string {
  if (!SAFE.test(name)) throw new TypeError(`BMC name must match ${SAFE}`);
  if (!SAFE.test(username) || username.length > 16) throw new TypeError(`BMC username must match ${SAFE} and be at most 16 characters`);
  // never quote the password itself in the message
  if (!SAFE.test(password) || password.length > 20) throw new TypeError(`BMC password must match ${SAFE} and be at most 20 characters`);
  if (!/^[0-9a-f]{32}$/.test(guid)) throw new TypeError('guid must be 32 lowercase hex digits');
  return `name "${name}"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid ${guid}
  endlan
  chassis_control "${chassisScript} ${chassisDir}"
  user 2 true "${username}" "${password}" admin 10 md5
`;
}
