/**
 * The candump log format of can-utils (`candump -l`, read by canplayer, python-can's
 * CanutilsLogReader, Wireshark): one frame per line, "(<seconds>.<micros>) <iface> <id>#<data>".
 * Standard ids have 3 hex digits, extended ids 8; remote frames are "<id>#R".
 */
import type { CanFrame } from './frame.js';

export function candumpLine(seconds: number, iface: string, f: Pick<CanFrame, 'id' | 'extended' | 'data' | 'rtr'>): string {
  const whole = Math.floor(seconds);
  const micros = Math.round((seconds - whole) * 1e6);
  const [s, us] = micros >= 1_000_000 ? [whole + 1, 0] : [whole, micros];
  const id = f.id.toString(16).toUpperCase().padStart(f.extended ? 8 : 3, '0');
  const body = f.rtr ? 'R' : Buffer.from(f.data).toString('hex').toUpperCase();
  return `(${s}.${String(us).padStart(6, '0')}) ${iface.replace(/\s+/g, '_') || 'can0'} ${id}#${body}`;
}
