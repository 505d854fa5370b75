/** The parts of a Vector DBC database chargebench uses (see dbc-parse.ts for the syntax). */

export interface DbcSignal {
  name: string;
  /** Start bit: LSB for Intel (little-endian), MSB in sawtooth numbering for Motorola (big-endian). */
  startBit: number;
  length: number;
  byteOrder: 'little' | 'big';
  signed: boolean;
  /** Raw bits are an IEEE float (SIG_VALTYPE_ 1 = float32, 2 = float64). */
  float?: 32 | 64;
  factor: number;
  offset: number;
  min: number;
  max: number;
  unit: string;
  receivers: string[];
  /** This signal selects which multiplexed signals are present (M, or mNM). */
  isMultiplexor: boolean;
  /** Present only when signal `switch` has a raw value in one of the ranges (mN, SG_MUL_VAL_). */
  multiplexed?: { switch: string; ranges: [number, number][] };
  /** Value table: raw value -> label. */
  values?: Map<number, string>;
  comment?: string;
  /** DBC line of the SG_ (for messages about it). */
  line: number;
}

export interface DbcMessage {
  /** 11- or 29-bit id (bit 31 of the DBC id removed). */
  id: number;
  extended: boolean;
  name: string;
  dlc: number;
  senders: string[];
  signals: DbcSignal[];
  comment?: string;
  /** GenMsgCycleTime (ms), when set. */
  cycleTimeMs?: number;
  line: number;
}

export interface DbcDatabase {
  file: string;
  version: string;
  nodes: string[];
  messages: DbcMessage[];
  valueTables: Map<string, Map<number, string>>;
  /** Attribute values: object key ("BO_ 123", "SG_ 123 Name", "BU_ Node", "" for the database) -> name -> value. */
  attributes: Map<string, Map<string, string | number>>;
  attributeDefaults: Map<string, string | number>;
  signalGroups: { message: number; name: string; signals: string[] }[];
}
