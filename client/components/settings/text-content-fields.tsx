// What is written into the calendar item's text: the subject, participants, CRM links by e-mail.
import { TextField } from '../text-field.tsx';
import { SettingCheckbox } from './setting-checkbox.tsx';
import { issueAt, withSetting, type SectionProps } from './settings-section.ts';
import { SUBJECT_PLACEHOLDERS } from './settings-types.ts';

const PLACEHOLDERS = SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ');

export function TextContentFields(props: SectionProps) {
  const { value, defaults, onChange, issues, disabled } = props;
  return (
    <fieldset class="settings-group">
      <legend>Subject and text</legend>
      <TextField
        label="Subject in the calendar"
        value={value.subjectTemplate}
        onChange={(t) => onChange(withSetting<string>(value, 'subjectTemplate', t))}
        hint={`Placeholders: ${PLACEHOLDERS}. It must contain {title}. Applies to items written from now on.`}
        defaultText={defaults.subjectTemplate}
        issue={issueAt(issues, 'subjectTemplate')}
        disabled={disabled}
      />
      <SettingCheckbox {...props} path="participantsInDescription" label="Write SuperOffice participants into the calendar item's text" />
      <SettingCheckbox {...props} path="linkPersonByEmailInText" label="Link a SuperOffice person found by an e-mail address in the text" />
    </fieldset>
  );
}
