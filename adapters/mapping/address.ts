// Free-text addresses, as CRMs keep them, turned into the structured fields an ERP needs. The raw
// text is always kept; every field records how it was found, and anything uncertain lowers the
// confidence so that a person reviews the address instead of the ERP receiving a guess.

import { countryCodeOf, normalizeKey } from './countries.ts';

export interface StructuredAddress {
  /** Street with house and flat, as one line ("ул. Тверская, д. 7, кв. 5"). */
  street: string;
  /** District or other secondary line ("Chilonzor tumani"). */
  street2: string | null;
  city: string;
  region: string | null;
  postcode: string | null;
  countryCode: string;
}

export type AddressField = 'street' | 'house' | 'city' | 'countryCode';

export interface ParsedAddress {
  raw: string;
  street: string | null;
  house: string | null;
  apartment: string | null;
  district: string | null;
  city: string | null;
  region: string | null;
  postcode: string | null;
  countryCode: string | null;
  /** `high` only when every part was placed and nothing was assumed. */
  confidence: 'high' | 'low';
  /** Required fields that were not found. */
  missing: AddressField[];
  /** Why confidence is low, one short sentence each. */
  notes: string[];
  /** The structured address, when every required field was found (even at low confidence). */
  structured: StructuredAddress | null;
}

export interface ParseOptions {
  /** Used when nothing in the text names the country; always lowers confidence. */
  defaultCountry?: string;
}

// ---- vocabulary ---------------------------------------------------------------------------------

const L = '\\p{L}';
/** A whole word (Unicode-aware; `\b` does not see Cyrillic letters). */
function word(alternatives: string): RegExp {
  return new RegExp(`(?<![${L}])(?:${alternatives})(?![${L}])`, 'iu');
}

const CITY_PREFIX = /^(?:г\.|г\s|город\s|gorod\s|city of\s)\s*/iu;
const CITY_SUFFIX = /\s+(?:sh\.?|shahri|shahar|ш\.?|шаҳри|шахри|шаары)$/iu;
const DISTRICT = word("tumani|tuman|туман[иы]?|район|р-н|rayon|raion|district|borough|мкр\\.?|микрорайон|mavzesi|massivi|mahallasi");
const REGION = word("viloyati|viloyat|вилояти|область|обл\\.|обл|oblast|облусу|облысы|region|край|республика|респ\\.|county");
const STREET = word(
  "ko'chasi|kochasi|ko'ch\\.|kuchasi|кўчаси|кучаси|shoh ko'chasi|prospekti|проспекти|көчөсү|" +
  "ул\\.|ул|улица|пр\\.|пр-т|просп\\.|проспект|пер\\.|переулок|бульвар|б-р|шоссе|наб\\.|набережная|пл\\.|площадь|тракт|" +
  "cesta|ulica|trg|nabrežje|" +
  "street|st\\.?|road|rd\\.?|avenue|ave\\.?|lane|ln\\.?|drive|dr\\.?|boulevard|blvd\\.?|way|place|square|sq\\.?|court|ct\\.?|terrace|crescent|close|highway|hwy|parkway|pkwy",
);
const HOUSE = /^(?:д\.|дом|uy|house|bldg\.?|building|№)\s*(\d+[\p{L}\d/-]*)$|^(\d+[\p{L}]?)[-\s]?(?:uy|dom)$/iu;
const BUILDING = /^(?:корп\.?|корпус|стр\.?|строение|bino)\s*\S+$/iu;
const APARTMENT = /^(?:кв\.?|квартира|kv\.?|xonadon|apt\.?|apartment|flat|suite|unit|офис|of\.)\s*\S+$|^\S+[-\s]xonadon$/iu;
const HAS_NUMBER = /\d/;

const UK_POSTCODE = /(?<![\p{L}\d])([A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$/iu;
const US_STATE_ZIP = /^(?:(.*?)\s+)?([A-Z]{2})\s+(\d{5}(?:-\d{4})?)$/u;
const US_STATES = new Set('AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR'.split(' '));

interface Place {
  city: string;
  countryCode: string;
}

/** Cities that name their country confidently; enough for the markets Karvon serves first. */
const GAZETTEER: Record<string, Place> = {};
function places(countryCode: string, city: string, ...names: string[]): void {
  for (const name of [city, ...names]) GAZETTEER[normalizeKey(name)] = { city, countryCode };
}
places('UZ', 'Toshkent', 'Tashkent', 'Ташкент', 'Тошкент');
places('UZ', 'Samarqand', 'Samarkand', 'Самарканд', 'Самарқанд');
places('UZ', 'Buxoro', 'Bukhara', 'Бухара');
places('UZ', 'Andijon', 'Andijan', 'Андижан');
places('UZ', 'Namangan', 'Наманган');
places('UZ', "Farg'ona", 'Fergana', 'Фергана', 'Fargona');
places('UZ', 'Nukus', 'Нукус');
places('UZ', 'Qarshi', 'Karshi', 'Карши');
places('UZ', 'Navoiy', 'Navoi', 'Навои');
places('UZ', 'Termiz', 'Termez', 'Термез');
places('UZ', 'Urganch', 'Urgench', 'Ургенч');
places('UZ', 'Chirchiq', 'Chirchik', 'Чирчик');
places('RU', 'Москва', 'Moscow', 'Moskva');
places('RU', 'Санкт-Петербург', 'Saint Petersburg', 'St Petersburg', 'Санкт Петербург', 'СПб');
places('RU', 'Новосибирск', 'Novosibirsk');
places('RU', 'Екатеринбург', 'Yekaterinburg');
places('RU', 'Казань', 'Kazan');
places('KG', 'Бишкек', 'Bishkek');
places('KG', 'Ош', 'Osh');
places('KG', 'Каракол', 'Karakol');
places('KG', 'Жалал-Абад', 'Jalal-Abad', 'Jalalabad');
places('KZ', 'Алматы', 'Almaty');
places('KZ', 'Астана', 'Astana');
places('SI', 'Ljubljana', 'Любляна');
places('SI', 'Maribor');
places('SI', 'Celje');
places('SI', 'Kranj');
places('SI', 'Koper');
places('GB', 'London', 'Лондон');
places('GB', 'Manchester');
places('GB', 'Birmingham');
places('GB', 'Edinburgh');
places('GB', 'Glasgow');
places('GB', 'Leeds');
places('GB', 'Bristol');
places('GB', 'Liverpool');
places('US', 'New York', 'NYC', 'Нью-Йорк');
places('US', 'Washington');
places('US', 'Los Angeles');
places('US', 'Chicago');
places('US', 'San Francisco');
places('US', 'Boston');
places('US', 'Seattle');
places('US', 'Springfield');

/** Uzbek is written with ʻ ʼ ‘ ’ or ' interchangeably; the markers are matched on one of them. */
function probe(text: string): string {
  return text.replace(/[\u02bb\u02bc\u2018\u2019`´]/g, "'");
}

function gazetteer(name: string): Place | null {
  return GAZETTEER[normalizeKey(name)] ?? null;
}

// ---- parsing ------------------------------------------------------------------------------------

/** Parses a free-text address. Never throws: an unusable address comes back with low confidence. */
export function parseAddress(raw: string | null | undefined, options: ParseOptions = {}): ParsedAddress {
  const text = (raw ?? '').trim();
  const result: ParsedAddress = {
    raw: text,
    street: null, house: null, apartment: null, district: null, city: null, region: null, postcode: null, countryCode: null,
    confidence: 'low',
    missing: [],
    notes: [],
    structured: null,
  };
  if (text === '') {
    result.missing = ['street', 'house', 'city', 'countryCode'];
    result.notes.push('the address is empty');
    return result;
  }

  const parts = text.split(/[,;\n]+/).map((p) => p.trim().replace(/\s+/g, ' ')).filter((p) => p !== '');
  let explicitCountry: string | null = null;
  let cityCountry: string | null = null;
  let postcodeCountry: string | null = null;
  let regionCountry: string | null = null;
  let streetHasNumber = false;
  const extraHouse: string[] = [];
  const unplaced: string[] = [];

  const setCity = (name: string, marked: boolean) => {
    const place = gazetteer(name);
    if (result.city !== null) {
      // A city named twice is fine when it is the same city ("Toshkent sh., ... Toshkent").
      if (place && gazetteer(result.city)?.city === place.city) return;
      unplaced.push(name);
      return;
    }
    // Keep the city as written (Latin or Cyrillic); the gazetteer only vouches for the country.
    result.city = name;
    if (place) cityCountry = place.countryCode;
    else if (!marked) result.notes.push(`"${name}" was taken as the city but is not a known city`);
  };

  for (let part of parts) {
    const country = countryCodeOf(part);
    if (country) {
      if (explicitCountry && explicitCountry !== country) result.notes.push(`two countries named: ${explicitCountry} and ${country}`);
      explicitCountry = country;
      continue;
    }

    // Postcodes, alone or sharing a part with a city or a US state.
    if (/^\d{6}$/.test(part) || (/^\d{5}(?:-\d{4})?$/.test(part) && result.street !== null && streetHasNumber)) {
      setPostcode(result, part);
      continue;
    }
    const leading = /^(\d{4,6})\s+(.+)$/u.exec(part);
    if (leading && !HAS_NUMBER.test(leading[2]) && !STREET.test(leading[2])) {
      setPostcode(result, leading[1]);
      if (leading[1].length === 4) postcodeCountry = 'SI';
      part = leading[2];
    }
    const usZip = US_STATE_ZIP.exec(part);
    if (usZip && US_STATES.has(usZip[2])) {
      setPostcode(result, usZip[3]);
      result.region = usZip[2];
      postcodeCountry = 'US';
      if (!usZip[1]) continue;
      part = usZip[1];
    }
    const uk = UK_POSTCODE.exec(part);
    if (uk && !/^\d+$/.test(uk[1]) && /\d[A-Z]{2}$/i.test(uk[1].replace(/\s/g, ''))) {
      setPostcode(result, uk[1].toUpperCase().replace(/\s*(\d[A-Z]{2})$/i, ' $1'));
      postcodeCountry = 'GB';
      part = part.slice(0, uk.index).trim();
      if (part === '') continue;
    }

    const cityPrefix = CITY_PREFIX.exec(probe(part));
    if (cityPrefix) {
      setCity(part.slice(cityPrefix[0].length).trim(), true);
      continue;
    }
    const citySuffix = CITY_SUFFIX.exec(probe(part));
    if (citySuffix) {
      setCity(part.slice(0, citySuffix.index).trim(), true);
      continue;
    }
    if (APARTMENT.test(probe(part))) {
      result.apartment = part;
      continue;
    }
    const house = HOUSE.exec(probe(part));
    if (house) {
      result.house = house[1] ?? house[2];
      extraHouse.push(part);
      continue;
    }
    if (BUILDING.test(probe(part))) {
      extraHouse.push(part);
      continue;
    }
    if (STREET.test(probe(part)) && result.street === null) {
      result.street = part;
      streetHasNumber = HAS_NUMBER.test(part);
      if (streetHasNumber) result.house = (/(\d+[\p{L}]?(?:[/-]\d+)?)/u.exec(part) ?? [])[1] ?? null;
      continue;
    }
    if (DISTRICT.test(probe(part))) {
      result.district = result.district ? `${result.district}, ${part}` : part;
      continue;
    }
    const region = REGION.exec(probe(part));
    if (region) {
      result.region = part;
      const place = gazetteer(part.replace(region[0], '').trim());
      if (place) regionCountry = place.countryCode;
      continue;
    }
    if (/^\d{1,4}[\p{L}]?(?:[/-]\d+)?$/u.test(part) && result.street !== null && !streetHasNumber && result.house === null) {
      result.house = part;
      extraHouse.push(part);
      continue;
    }
    if (gazetteer(part)) {
      setCity(part, false);
      continue;
    }
    if (result.street === null && HAS_NUMBER.test(part) && /\p{L}{3,}/u.test(part)) {
      // Numbers and a name but no street word: most likely the street line, but say so.
      result.street = part;
      streetHasNumber = true;
      result.house = (/(\d+[\p{L}]?)/u.exec(part) ?? [])[1] ?? null;
      result.notes.push(`"${part}" was taken as the street without a street word`);
      continue;
    }
    if (result.city === null && !HAS_NUMBER.test(part) && result.street !== null) {
      setCity(part, false);
      continue;
    }
    unplaced.push(part);
  }

  // Country: named > known city > known region > postcode format > configured default.
  const countries = [explicitCountry, cityCountry, regionCountry, postcodeCountry].filter((c): c is string => c !== null);
  result.countryCode = countries[0] ?? null;
  if (new Set(countries).size > 1) result.notes.push(`the country is unclear: ${[...new Set(countries)].join(' or ')}`);
  if (result.countryCode === null && options.defaultCountry) {
    result.countryCode = options.defaultCountry;
    result.notes.push(`the country was not written; ${options.defaultCountry} was assumed`);
  }

  for (const part of unplaced) result.notes.push(`could not tell what "${part}" is`);
  if (result.street === null) result.missing.push('street');
  if (result.house === null) result.missing.push('house');
  if (result.city === null) result.missing.push('city');
  if (result.countryCode === null) result.missing.push('countryCode');

  if (result.street !== null && result.city !== null && result.countryCode !== null) {
    const streetLine = [result.street, ...(streetHasNumber ? extraHouse.filter((p) => BUILDING.test(p)) : extraHouse), ...(result.apartment ? [result.apartment] : [])].join(', ');
    result.structured = {
      street: streetLine,
      street2: result.district,
      city: result.city,
      region: result.region,
      postcode: result.postcode,
      countryCode: result.countryCode,
    };
  }
  result.confidence = result.missing.length === 0 && result.notes.length === 0 ? 'high' : 'low';
  return result;
}

function setPostcode(result: ParsedAddress, code: string): void {
  if (result.postcode !== null && result.postcode !== code) result.notes.push(`two postcodes: ${result.postcode} and ${code}`);
  else result.postcode = code;
}

/** A human sentence for an address problem, naming what to add. */
export function describeAddressProblems(parsed: ParsedAddress): string {
  const labels: Record<AddressField, string> = { street: 'street', house: 'house number', city: 'city', countryCode: 'country' };
  const missing = parsed.missing.map((m) => labels[m]);
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...parsed.notes,
  ];
  return parts.join('; ');
}
