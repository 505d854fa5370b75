import type { Step } from '../plan/plan-schema.js';

/** The label a step gets in reports when it has no `name`. */
export function describeStep(step: Step): string {
  if (step.name) return step.name;
  switch (step.kind) {
    case 'wait': return step.duration;
    case 'mark': return step.mark;
    case 'dr': return step.restore ? 'restore limit' : `limit ${step.limitKw} kW`;
    case 'inject': return `${step.fault}${step.evse ? ` ${step.evse}` : ''}${step.phase ? ` ${step.phase}` : ''}${step.converter ? ` ${step.converter}` : ''}${step.node ? ` ${step.node}` : ''}`;
    case 'trigger': return `${step.action} -> ${step.evse}`;
    case 'group': return `for ${step.for}`;
    case 'load': return `${step.kw} kW`;
    case 'http': return `${step.method} ${step.url}`;
    case 'scenario': return `${step.duration} on ${step.evse}`;
    case 'modbus-write': return `${step.charger} ${step.register} := ${step.value}`;
    case 'energy-manager': return step.limitKw !== undefined ? `limit ${step.limitKw} kW` : step.restore ? 'restore' : step.stop ? 'stop refreshing' : 'resume';
    case 'expect': {
      if (step.message) return `${step.not ? 'no ' : ''}${step.message.action}`;
      if (step.state) return `${step.state.evse} ${step.state.status}`;
      if (step.boot) return `${step.boot.evse} ${step.boot.status}`;
      if (step.connected) return `${step.connected.evse} ${step.connected.value ? 'connected' : 'disconnected'}`;
      if (step.can) return `${step.not ? 'no ' : ''}CAN ${step.can.message}${step.can.signal ? ` ${step.can.signal} ${step.can.op} ${String(step.can.value)}` : ''}`;
      if (step.register) return `${step.not ? 'no ' : ''}${step.register.charger} ${step.register.name} ${step.register.op} ${String(step.register.value)}`;
      if (step.meter) return `meter ${step.meter.id} ${step.meter.quantity} ${step.meter.op} ${step.meter.value}`;
      return `power ${step.power?.evse ?? 'site'} ${step.power?.op} ${step.power?.kw} kW`;
    }
    default: return 'evse' in step && step.evse ? step.evse : '';
  }
}
