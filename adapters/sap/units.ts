// SAP's internal units of measurement (table T006, field MSEHI, maintained with transaction CUNI) and their ISO
// codes (T006-ISOCODE: the codes of UN/ECE Recommendation No. 20, "Codes for Units of Measure Used in International
// Trade"), as SAP delivers them in the standard. IDocs carry the internal code (MEINS) and often the ISO code beside
// it (MEINS_ISO); partners outside SAP speak ISO. Several internal units may share one ISO code in T006; this table
// keeps the one SAP marks as primary, so it reads the same in both directions.
//
// A code the table does not know is kept as it is, and the caller gets a warning to pass on (a customer unit in
// T006 is legitimate; refusing it would lose the IDoc, guessing would change the quantity's meaning).

/** [SAP internal (T006-MSEHI), ISO (T006-ISOCODE), what it is]. */
const T006: ReadonlyArray<readonly [string, string, string]> = [
  ['ST', 'PCE', 'piece'],
  ['EA', 'EA', 'each'],
  ['PAA', 'PR', 'pair'],
  ['DZ', 'DZN', 'dozen'],
  ['PAK', 'PK', 'pack'],
  ['PAL', 'PF', 'pallet'],
  ['KAR', 'CT', 'carton'],
  ['ROL', 'RO', 'roll'],
  ['BT', 'BO', 'bottle'],
  ['CAN', 'CA', 'can'],
  ['KG', 'KGM', 'kilogram'],
  ['G', 'GRM', 'gram'],
  ['MG', 'MGM', 'milligram'],
  ['TO', 'TNE', 'tonne'],
  ['LB', 'LBR', 'pound'],
  ['M', 'MTR', 'metre'],
  ['CM', 'CMT', 'centimetre'],
  ['MM', 'MMT', 'millimetre'],
  ['KM', 'KMT', 'kilometre'],
  ['IN', 'INH', 'inch'],
  ['FT', 'FOT', 'foot'],
  ['M2', 'MTK', 'square metre'],
  ['CM2', 'CMK', 'square centimetre'],
  ['M3', 'MTQ', 'cubic metre'],
  ['CCM', 'CMQ', 'cubic centimetre'],
  ['L', 'LTR', 'litre'],
  ['ML', 'MLT', 'millilitre'],
  ['GAL', 'GLL', 'US gallon'],
  ['H', 'HUR', 'hour'],
  ['MIN', 'MIN', 'minute'],
  ['S', 'SEC', 'second'],
  ['TAG', 'DAY', 'day'],
  ['KWH', 'KWH', 'kilowatt hour'],
  ['%', 'P1', 'percent']
]

const TO_ISO = new Map(T006.map(([sap, iso]) => [sap, iso]))
const TO_SAP = new Map(T006.map(([sap, iso]) => [iso, sap]))

export interface UnitCode {
  readonly code: string
  /** Set when the code is not in the table and was kept as it is. */
  readonly warning?: string
}

/** SAP internal -> ISO (`ST` -> `PCE`); an unknown code is kept, with a warning. */
export function isoUnit (sapUnit: string): UnitCode {
  const u = sapUnit.trim().toUpperCase()
  const iso = TO_ISO.get(u)
  return iso !== undefined ? { code: iso } : { code: u, warning: `SAP unit '${u}' has no ISO code in the hub's table; kept as it is` }
}

/** ISO -> SAP internal (`PCE` -> `ST`); an unknown code is kept, with a warning. */
export function sapUnit (isoUnitCode: string): UnitCode {
  const u = isoUnitCode.trim().toUpperCase()
  const sap = TO_SAP.get(u)
  return sap !== undefined ? { code: sap } : { code: u, warning: `ISO unit '${u}' has no SAP unit in the hub's table; kept as it is` }
}

/** Which codes the MES holds: SAP's own (what SAP users and the confirmations back to SAP read) or ISO. */
export type UnitCodes = 'sap' | 'iso'

/**
 * The unit of a field pair as the MES holds it: `MEINS` (internal) and `MEINS_ISO` beside it. An IDoc may carry
 * either or both; the other form is worked out from the table. Undefined when neither is set.
 */
export function unitOf (internal: string | undefined, iso: string | undefined, codes: UnitCodes): UnitCode | undefined {
  const i = (internal ?? '').trim()
  const o = (iso ?? '').trim()
  if (i === '' && o === '') return undefined
  if (codes === 'sap') return i !== '' ? { code: i.toUpperCase() } : sapUnit(o)
  return o !== '' ? { code: o.toUpperCase() } : isoUnit(i)
}
