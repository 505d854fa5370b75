/**
 * What field logs write for a frame's direction, and which way that is. "in"/"out" words depend
 * on whose log it is: a CSMS back-end's (in = from the station, the default) or a station's own.
 */
import type { Direction } from './ocpp-frame.js';

export type Perspective = 'csms' | 'station';

const UP = new Set(['up', 'to-csms', 'tocsms', 'cp->cs', 'cp->csms', 'cs<-cp', 'station->csms', 'cp2cs', 'request-from-cp', 'from-station', 'fromstation', 'fromcp', 'from-cp', 'upstream']);
const DOWN = new Set(['down', 'from-csms', 'fromcsms', 'cs->cp', 'csms->cp', 'cp<-cs', 'csms->station', 'cs2cp', 'to-station', 'tostation', 'tocp', 'to-cp', 'downstream']);
const IN = new Set(['in', 'rx', 'recv', 'received', 'receive', 'incoming', 'inbound', '<-', '<<', '<', 'req-in', 'read']);
const OUT = new Set(['out', 'tx', 'send', 'sent', 'outgoing', 'outbound', '->', '>>', '>', 'write']);

/** The direction a word stands for; undefined when it is no direction word. */
export function directionWord(word: string, perspective: Perspective): Direction | undefined {
  const w = word.trim().toLowerCase().replace(/[:[\]()]/g, '').replace(/_/g, '-');
  if (UP.has(w)) return 'up';
  if (DOWN.has(w)) return 'down';
  if (IN.has(w)) return perspective === 'csms' ? 'up' : 'down';
  if (OUT.has(w)) return perspective === 'csms' ? 'down' : 'up';
  return undefined;
}
