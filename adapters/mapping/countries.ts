// Country names in the languages Karvon's customers write addresses in, resolved to ISO 3166-1
// alpha-2 through i18n-iso-countries, plus the informal names people actually type.

import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';

const require = createRequire(import.meta.url);
const LOCALES = ['en', 'ru', 'uz', 'ky', 'kk', 'tg', 'sl', 'de', 'tr'] as const;
for (const locale of LOCALES) countries.registerLocale(require(`i18n-iso-countries/langs/${locale}.json`));

/** Lower case, no diacritics, one kind of apostrophe, no dots: how names are compared. */
export function normalizeKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\u02bb\u02bc\u2018\u2019`´]/g, "'")
    .replace(/\./g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const ALIASES: Record<string, string> = {
  uk: 'GB', 'u k': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', 'great britain': 'GB', britain: 'GB',
  usa: 'US', us: 'US', 'u s a': 'US', america: 'US', 'united states of america': 'US',
  рф: 'RU', russia: 'RU', россия: 'RU', 'российская федерация': 'RU',
  "o'zbekiston": 'UZ', ozbekiston: 'UZ', uzbekistan: 'UZ', ўзбекистон: 'UZ', узбекистан: 'UZ', 'uzbekiston': 'UZ',
  кыргызстан: 'KG', киргизия: 'KG', kyrgyzstan: 'KG', kirgizstan: 'KG', "qirg'iziston": 'KG', 'kyrgyz republic': 'KG', 'кыргызская республика': 'KG',
  kazakhstan: 'KZ', казахстан: 'KZ', "qozog'iston": 'KZ',
  slovenija: 'SI', slovenia: 'SI', словения: 'SI',
};

let byName: Map<string, string> | undefined;

function index(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  for (const locale of LOCALES) {
    for (const [code, names] of Object.entries(countries.getNames(locale, { select: 'all' }))) {
      for (const name of names) if (!byName.has(normalizeKey(name))) byName.set(normalizeKey(name), code);
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) byName.set(normalizeKey(alias), code);
  return byName;
}

/** The alpha-2 code for a country name in any supported language, or null. */
export function countryCodeOf(name: string): string | null {
  const key = normalizeKey(name);
  // Two-letter tokens are too often state or county abbreviations ("DC", "IL") to be countries.
  if (key.length < 3 && key !== 'uk' && key !== 'us') return null;
  return index().get(key) ?? null;
}

export function isCountryCode(code: string): boolean {
  return countries.isValid(code) && /^[A-Z]{2}$/.test(code);
}

export function countryName(code: string, locale = 'en'): string {
  return countries.getName(code, locale) ?? code;
}
