import { expect } from 'chai';
import { parseAddress } from '../../adapters/mapping/address.ts';
import { mapCustomerToPartner, tryMapCustomerToPartner } from '../../adapters/mapping/customer.ts';
import { mapOrderLines } from '../../adapters/mapping/lines.ts';
import { checkMappingAgainst } from '../../adapters/mapping/drift.ts';
import { ERP_PARTNER_FIELDS } from '../../adapters/erp/model.ts';
import { AdapterError } from '../../adapters/sdk/errors.ts';

function caught(fn: () => unknown): AdapterError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(AdapterError);
    return error as AdapterError;
  }
  throw new Error('expected an AdapterError');
}

describe('adapters/mapping', () => {
  describe('free-text addresses', () => {
    const formats: { name: string; raw: string; expected: Record<string, string | null> }[] = [
      {
        name: 'Uzbek (Tashkent, district, ko\'chasi)',
        raw: "Toshkent sh., Chilonzor tumani, Bunyodkor ko'chasi 12, 100115",
        expected: { street: "Bunyodkor ko'chasi 12", street2: 'Chilonzor tumani', city: 'Toshkent', postcode: '100115', countryCode: 'UZ' },
      },
      {
        name: 'Uzbek with a typographic apostrophe and a region',
        raw: 'Farg‘ona viloyati, Qo‘qon sh., Navoiy ko‘chasi 3',
        expected: { street: 'Navoiy ko‘chasi 3', city: 'Qo‘qon', region: 'Farg‘ona viloyati', countryCode: 'UZ' },
      },
      {
        name: 'Russian (house and flat as separate parts)',
        raw: 'г. Москва, ул. Тверская, д. 7, кв. 5, 125009',
        expected: { street: 'ул. Тверская, д. 7, кв. 5', city: 'Москва', postcode: '125009', countryCode: 'RU' },
      },
      {
        name: 'Kyrgyz, Cyrillic with the country first',
        raw: 'Кыргызстан, г. Бишкек, ул. Киевская, 96, 720040',
        expected: { street: 'ул. Киевская, 96', city: 'Бишкек', postcode: '720040', countryCode: 'KG' },
      },
      {
        name: 'Kyrgyz, Latin',
        raw: 'Bishkek, Chui Avenue 265a, 720033, Kyrgyzstan',
        expected: { street: 'Chui Avenue 265a', city: 'Bishkek', postcode: '720033', countryCode: 'KG' },
      },
      {
        name: 'Slovenian (postcode before the city)',
        raw: 'Slovenska cesta 10, 1000 Ljubljana, Slovenija',
        expected: { street: 'Slovenska cesta 10', city: 'Ljubljana', postcode: '1000', countryCode: 'SI' },
      },
      {
        name: 'UK',
        raw: '10 Downing Street, London SW1A 2AA, United Kingdom',
        expected: { street: '10 Downing Street', city: 'London', postcode: 'SW1A 2AA', countryCode: 'GB' },
      },
      {
        name: 'US (state and ZIP)',
        raw: '1600 Pennsylvania Avenue NW, Washington, DC 20500, USA',
        expected: { street: '1600 Pennsylvania Avenue NW', city: 'Washington', region: 'DC', postcode: '20500', countryCode: 'US' },
      },
    ];
    for (const f of formats) {
      it(`structures ${f.name} with high confidence`, () => {
        const parsed = parseAddress(f.raw);
        expect(parsed.confidence, parsed.notes.join('; ')).to.equal('high');
        expect(parsed.raw).to.equal(f.raw);
        expect(parsed.structured).to.include(f.expected);
      });
    }

    it('keeps low confidence for a town and a landmark', () => {
      const parsed = parseAddress("Marg'ilon, bozor yonida");
      expect(parsed.confidence).to.equal('low');
      expect(parsed.missing).to.include('street');
      expect(parsed.structured).to.equal(null);
    });

    it('keeps low confidence when the country is only assumed', () => {
      const parsed = parseAddress('Navoiy ko\'chasi 5, Qarshilik', { defaultCountry: 'UZ' });
      expect(parsed.countryCode).to.equal('UZ');
      expect(parsed.confidence).to.equal('low');
      expect(parsed.notes.join(' ')).to.contain('UZ was assumed');
    });

    it('flags a street without a house number and an empty address', () => {
      expect(parseAddress('г. Москва, ул. Тверская').missing).to.deep.equal(['house']);
      expect(parseAddress('  ').missing).to.deep.equal(['street', 'house', 'city', 'countryCode']);
    });
  });

  describe('CRM customer → ERP partner', () => {
    const good = {
      id: 'cus_1', kind: 'company', name: 'Ipak Yo\'li Savdo', taxId: '305123456', phones: ['+998 71 200 12 34'], emails: ['a@b.uz'],
      address: "Toshkent sh., Chilonzor tumani, Bunyodkor ko'chasi 12, 100115",
    };

    it('maps a complete customer', () => {
      const { partner } = mapCustomerToPartner(good);
      expect(partner).to.deep.include({ externalRef: 'cus_1', name: "Ipak Yo'li Savdo", taxId: '305123456', phone: '+998 71 200 12 34', email: 'a@b.uz' });
      expect(partner.address).to.include({ city: 'Toshkent', countryCode: 'UZ', raw: good.address });
    });

    it('names the customer, the field and the fix for a missing required field', () => {
      const error = caught(() => mapCustomerToPartner({ ...good, taxId: null }));
      expect(error.code).to.equal('CUSTOMER_DATA_INVALID');
      expect(error.message).to.contain('Customer "Ipak Yo\'li Savdo" (cus_1)').and.contain('taxId (from CRM taxId) is missing').and.contain('Fix: Enter the customer\'s tax id');
      expect(error.details).to.deep.include({ customerId: 'cus_1', field: 'taxId' });
    });

    it('reports a number that arrives as text, and a tax id kept as a number', () => {
      const result = tryMapCustomerToPartner({ ...good, paymentTermDays: '30', taxId: 305123456 });
      expect(result.ok).to.equal(false);
      const problems = (result as { problems: { field: string; problem: string }[] }).problems;
      expect(problems).to.deep.include.members([
        { field: 'taxId', source: 'taxId', problem: 'arrived as the number 305123456 where text is expected', fix: "Enter the customer's tax id (INN / STIR / VAT number) in the CRM as text" },
      ]);
      expect(problems.find((p) => p.field === 'paymentTermDays')!.problem).to.equal('arrived as text "30" where a number is expected');
    });

    it('sends an address that cannot be structured to a person as ADDRESS_INCOMPLETE, listing every problem', () => {
      const error = caught(() => mapCustomerToPartner({ ...good, address: "Marg'ilon, bozor yonida", taxId: '' }));
      expect(error.kind).to.equal('business');
      expect(error.code).to.equal('ADDRESS_INCOMPLETE');
      expect(error.message).to.contain('address (from CRM address)').and.contain('cannot be structured confidently').and.contain('Fix: Complete the address');
      const details = error.details as { problems: { field: string }[]; address: { raw: string; confidence: string } };
      expect(details.problems.map((p) => p.field)).to.deep.equal(['taxId', 'address']);
      expect(details.address).to.include({ raw: "Marg'ilon, bozor yonida", confidence: 'low' });
    });
  });

  describe('order lines', () => {
    it('merges lines of one SKU in exact thousandths', () => {
      expect(mapOrderLines([{ sku: 'A', quantity: 0.1 }, { sku: 'A', quantity: 0.2 }, { sku: 'B', quantity: 3 }])).to.deep.equal([
        { sku: 'A', quantityMilli: 300 },
        { sku: 'B', quantityMilli: 3000 },
      ]);
    });

    it('reports a quantity that arrives as text, naming the item and the customer', () => {
      const error = caught(() => mapOrderLines([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: '5 pcs' }], { id: 'cus_1', name: 'Ipak' }));
      expect(error.code).to.equal('ORDER_DATA_INVALID');
      expect(error.message).to.equal('Order for customer "Ipak" (cus_1): items[1].quantity arrived as text "5 pcs" where a number is expected. Fix: Enter the quantity of B as a number');
    });
  });

  describe('drift', () => {
    it('finds nothing against the built-in ERP', () => {
      expect(checkMappingAgainst(ERP_PARTNER_FIELDS)).to.deep.equal({ ok: true, problems: [] });
    });

    it('reports fields the mapping needs that the target no longer declares', () => {
      const target = ERP_PARTNER_FIELDS.filter((f) => f !== 'taxId' && f !== 'email');
      const report = checkMappingAgainst(target);
      expect(report.ok).to.equal(false);
      expect(report.problems).to.deep.equal([
        { field: 'taxId', required: true, message: 'the mapping fills required field "taxId", which the target no longer declares' },
        { field: 'email', required: false, message: 'the mapping fills "email", which the target no longer declares; the value would be dropped' },
      ]);
    });
  });
});
