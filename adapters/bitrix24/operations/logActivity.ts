import { defineOperation, type OperationDescriptor } from '../../sdk/descriptor.ts';
import { notFound } from '../../sdk/errors.ts';
import { Bitrix24Client, type BxRecord } from '../client.ts';
import type { Bitrix24Config } from '../config.ts';
import { crmContract } from '../contract.ts';
import { ACTIVITY_TYPE_ID, OWNER_TYPE_ID, activityView, asRecord, parseCustomerId, type ActivityType, type ActivityView } from '../views.ts';

interface Input {
  customerId: string;
  dealId?: string | null;
  type?: ActivityType;
  subject: string;
  body?: string | null;
  author?: string | null;
}

export const logActivity: OperationDescriptor<Bitrix24Config> = defineOperation<Input, { activity: ActivityView }, Bitrix24Config>({
  ...crmContract('logActivity'),
  handler: async (input, context) => {
    const bx = new Bitrix24Client(context);
    const ref = parseCustomerId(input.customerId);
    const type = input.type ?? 'note';
    // ORIGIN_ID carries the idempotency key, so a retry finds the activity the first try added.
    const found = (await bx.list('crm.activity.list', { filter: { ORIGIN_ID: context.idempotencyKey }, select: ['*'] })).result[0];
    if (found) return { activity: activityView(found, input.customerId, type) };
    const owner = input.dealId ? { OWNER_TYPE_ID: OWNER_TYPE_ID.deal, OWNER_ID: Number(input.dealId) } : { OWNER_TYPE_ID: OWNER_TYPE_ID[ref.type], OWNER_ID: Number(ref.id) };
    const fields: BxRecord = {
      ...owner,
      TYPE_ID: ACTIVITY_TYPE_ID[type],
      SUBJECT: input.subject,
      DESCRIPTION: input.body ?? '',
      COMPLETED: 'Y',
      ORIGIN_ID: context.idempotencyKey,
      ORIGINATOR_ID: 'karvon',
    };
    const id = await bx.call('crm.activity.add', { fields });
    const created = asRecord(await bx.call('crm.activity.get', { id }, { idempotent: true }));
    if (created.ID === undefined) throw notFound(`Bitrix24 crm.activity.get did not return activity ${String(id)}`);
    return { activity: activityView(created, input.customerId, type) };
  },
});
