import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, profileSettingsSchema, resolveSettings, SettingsInvalid, userOverridesSchema } from '../../server/sync/settings.ts';
import { SyncError } from '../../server/sync/errors.ts';

function invalid(profile: unknown, overrides: unknown = {}): SettingsInvalid {
  try {
    resolveSettings(profile, overrides);
  } catch (err) {
    assert.ok(err instanceof SettingsInvalid, `expected SettingsInvalid, got ${String(err)}`);
    return err;
  }
  assert.fail('expected SettingsInvalid');
}
const paths = (e: SettingsInvalid) => e.issues.map((i) => `${i.source}:${i.path}`);

test('defaults match the documented values', () => {
  assert.deepEqual(DEFAULT_SETTINGS, {
    direction: 'two_way',
    conflict: 'newest_wins',
    fieldDirections: {},
    window: { daysBack: 30, daysAhead: 180 },
    filters: { appointmentTypes: null, allDay: true, free: true, private: true, recurring: true },
    defaultType: null,
    subjectTemplate: '{title}',
    participantsInDescription: true,
    invitationPolicy: 'never',
    reminders: { toCalendar: true, toSuperOffice: true },
    linkPersonByEmailInText: false,
    massDeletion: { minItems: 20, minFraction: 0.3 },
    usersMayEdit: false,
    profileOverridesUsers: false,
  });
  assert.ok(Object.isFrozen(DEFAULT_SETTINGS.window));
});

test('nothing stored (empty object, null, undefined, empty JSON text) gives the defaults', () => {
  for (const empty of [{}, null, undefined, '{}', 'null']) {
    assert.deepEqual(resolveSettings(empty, empty), DEFAULT_SETTINGS, `for ${JSON.stringify(empty)}`);
  }
  assert.deepEqual(profileSettingsSchema.parse({}), DEFAULT_SETTINGS);
});

test('each resolve returns its own objects, never the frozen defaults', () => {
  const s = resolveSettings({}, {});
  s.window.daysBack = 1;
  s.fieldDirections.title = 'off';
  assert.equal(resolveSettings({}, {}).window.daysBack, 30);
  assert.deepEqual(resolveSettings({}, {}).fieldDirections, {});
});

test('merge order: defaults <- profile <- user overrides <- link direction', () => {
  const profile = {
    direction: 'to_calendar',
    conflict: 'superoffice_wins',
    window: { daysBack: 7, daysAhead: 90 },
    filters: { appointmentTypes: ['Meeting'], free: false },
    fieldDirections: { description: 'to_calendar', location: 'off' },
    defaultType: 'Meeting',
  };
  const user = { conflict: 'calendar_wins', window: { daysAhead: 60 }, filters: { private: false }, fieldDirections: { location: 'two_way' }, defaultType: null };
  const s = resolveSettings(profile, user);
  assert.equal(s.direction, 'to_calendar'); // profile over default, user did not set it
  assert.equal(s.conflict, 'calendar_wins'); // user over profile
  assert.deepEqual(s.window, { daysBack: 7, daysAhead: 60 }); // merged field by field
  assert.deepEqual(s.filters, { appointmentTypes: ['Meeting'], allDay: true, free: false, private: false, recurring: true });
  assert.deepEqual(s.fieldDirections, { description: 'to_calendar', location: 'two_way' }); // key by key
  assert.equal(s.defaultType, null); // an explicit null overrides
  assert.equal(s.subjectTemplate, '{title}'); // default where nobody set it
  assert.equal(resolveSettings(profile, user, 'off').direction, 'off');
  assert.equal(resolveSettings(profile, { direction: 'two_way' }).direction, 'two_way');
  // A link row without its own direction (null, as links are created) leaves the settings' one.
  assert.equal(resolveSettings(profile, user, null).direction, 'to_calendar');
  assert.equal(resolveSettings(profile, { direction: 'to_superoffice' }, null).direction, 'to_superoffice');
});

test('a user may set appointmentTypes back to null (all types) over a profile list', () => {
  const s = resolveSettings({ filters: { appointmentTypes: ['A'] } }, { filters: { appointmentTypes: null } });
  assert.equal(s.filters.appointmentTypes, null);
});

test('overrides apply whatever usersMayEdit says (the panel enforces who writes them)', () => {
  const s = resolveSettings({ usersMayEdit: false, profileOverridesUsers: true, reminders: { toCalendar: true } }, { reminders: { toCalendar: false } });
  assert.equal(s.reminders.toCalendar, false);
  assert.equal(s.reminders.toSuperOffice, true);
});

test('overrides given as undefined in code count as not set', () => {
  const s = resolveSettings({ window: { daysBack: 3 } }, { window: { daysBack: undefined }, direction: undefined });
  assert.equal(s.window.daysBack, 3);
  assert.equal(s.direction, 'two_way');
});

test('the same settings stored as JSON text are read alike', () => {
  const profile = { subjectTemplate: '{type}: {title}', massDeletion: { minItems: 5 } };
  assert.deepEqual(resolveSettings(JSON.stringify(profile), '{"window":{"daysBack":0}}'), resolveSettings(profile, { window: { daysBack: 0 } }));
});

test('half-written JSON text is refused, naming which value', () => {
  const e = invalid('{"direction": "two_w');
  assert.deepEqual(paths(e), ['profile:']);
  assert.match(e.message, /profile \(whole value\): not valid JSON/);
  assert.deepEqual(paths(invalid({}, '{"window": {"daysBack": 3')), ['user overrides:']);
});

test('half-written objects are refused field by field', () => {
  const e = invalid({ window: null, filters: { appointmentTypes: ['Meeting', null, ''] }, reminders: {} }, { massDeletion: { minFraction: '0.5' } });
  assert.deepEqual(paths(e), ['profile:window', 'profile:filters.appointmentTypes[1]', 'profile:filters.appointmentTypes[2]', 'user overrides:massDeletion.minFraction']);
  assert.ok(e instanceof SyncError && e.retryable === false);
  assert.match(e.message, /profile window: .*object/);
});

test('a group given in part is completed, not refused', () => {
  assert.deepEqual(resolveSettings({ window: { daysBack: 7 } }, {}).window, { daysBack: 7, daysAhead: 180 });
});

test('wrong enum values are refused with the field named', () => {
  const e = invalid({ direction: 'sideways', conflict: 'loudest_wins', invitationPolicy: 'always' }, { fieldDirections: { description: 'up' } });
  assert.deepEqual(paths(e), ['profile:direction', 'profile:conflict', 'profile:invitationPolicy', 'user overrides:fieldDirections.description']);
  assert.match(e.message, /profile direction: .*two_way/);
});

test('a bad link direction is refused', () => {
  assert.throws(() => resolveSettings({}, {}, 'both' as never), (e: unknown) => e instanceof SettingsInvalid && paths(e).join() === 'link:direction');
});

test('unknown and misspelt settings are refused rather than silently defaulted', () => {
  const e = invalid({ window: { daysAhaed: 10 }, colour: 'red' }, { fieldDirections: { titel: 'off', stableKey: 'off' } });
  assert.deepEqual(paths(e).sort(), ['profile:colour', 'profile:window.daysAhaed', 'user overrides:fieldDirections.stableKey', 'user overrides:fieldDirections.titel'].sort());
});

test('numbers out of range or not whole are refused', () => {
  const e = invalid({ window: { daysBack: -1, daysAhead: 0 }, massDeletion: { minItems: 2.5, minFraction: 1.5 } }, { window: { daysAhead: 3651 } });
  assert.deepEqual(paths(e), ['profile:window.daysBack', 'profile:window.daysAhead', 'profile:massDeletion.minItems', 'profile:massDeletion.minFraction', 'user overrides:window.daysAhead']);
  assert.deepEqual(resolveSettings({ window: { daysBack: 0, daysAhead: 3650 } }, {}).window, { daysBack: 0, daysAhead: 3650 });
});

test('a subject template without {title} is refused', () => {
  const e = invalid({ subjectTemplate: '{type} - {company}' });
  assert.deepEqual(paths(e), ['profile:subjectTemplate']);
  assert.match(e.message, /must contain \{title\}/);
});

test('a subject template with an unknown placeholder is refused', () => {
  const e = invalid({}, { subjectTemplate: '{title} ({department})' });
  assert.deepEqual(paths(e), ['user overrides:subjectTemplate']);
  assert.match(e.message, /unknown placeholder \{department\}/);
  assert.match(invalid({ subjectTemplate: '{ title }' }).message, /unknown placeholder \{ title \}/);
});

test('valid templates, including repeated {title} and stray braces, are accepted', () => {
  for (const t of ['{title}', '{type}: {title} ({company}, {person})', '{title} / {title}', '{ {title} }']) {
    assert.equal(resolveSettings({ subjectTemplate: t }, {}).subjectTemplate, t);
  }
});

test('a whole value of the wrong kind is refused', () => {
  assert.deepEqual(paths(invalid([])), ['profile:']);
  assert.deepEqual(paths(invalid({}, 42)), ['user overrides:']);
});

test('the overrides schema accepts any subset and sets no defaults', () => {
  assert.deepEqual(userOverridesSchema.parse({}), {});
  assert.deepEqual(userOverridesSchema.parse({ window: { daysBack: 1 } }), { window: { daysBack: 1 } });
});
