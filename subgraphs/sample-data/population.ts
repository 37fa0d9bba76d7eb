// population (公安局): 人口基础信息.

import { mobileNumber, personName, streetAddress } from './compose.ts';
import { contextFor, type Context } from './context.ts';
import { fixturePersons } from './fixtures.ts';
import { maritalStatusOf } from './marriage.ts';
import { ETHNICITIES, SECURITY_NOTES } from './names.ts';
import { personIdentity } from './person-identity.ts';
import { Rng } from './random.ts';
import { TAG } from './tags.ts';
import type { PersonRow, SampleOptions } from './types.ts';

export function personAt(ctx: Context, index: number): PersonRow {
  const id = personIdentity(ctx, index);
  const rng = new Rng(ctx.seed, TAG.person, index);
  return {
    idNumber: id.idNumber,
    name: personName(rng, id.gender),
    gender: id.gender,
    birthDate: id.birthDate,
    ethnicity: rng.pickWeighted(ETHNICITIES),
    mobile: mobileNumber(rng),
    householdAddress: streetAddress(rng, id.district),
    maritalStatus: maritalStatusOf(ctx, index, id),
    securityNote: rng.pickWeighted(SECURITY_NOTES),
  };
}

// Options are checked when called, not at the first next().
export function persons(o: SampleOptions): Generator<PersonRow> {
  return generate(contextFor(o));
}

function* generate(ctx: Context): Generator<PersonRow> {
  yield* fixturePersons();
  for (let i = 0; i < ctx.persons; i++) yield personAt(ctx, i);
}
