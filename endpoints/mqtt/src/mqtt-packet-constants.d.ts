// Types for the tables mqtt-packet keeps of MQTT 5's properties (its constants.js), which it ships none for.
declare module 'mqtt-packet/constants' {
  /** Property name → its identifier. */
  export const properties: Readonly<Record<string, number>>;
  /** Property identifier → its name, as mqtt-packet names parsed properties. */
  export const propertiesCodes: Readonly<Record<number, string>>;
  /** Property name → how its value is laid out. */
  export const propertiesTypes: Readonly<Record<string, 'byte' | 'int8' | 'int16' | 'int32' | 'var' | 'string' | 'binary' | 'pair'>>;
}
