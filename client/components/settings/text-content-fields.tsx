// What is written into the calendar item's text: the subject, participants, CRM links by e-mail.
import { CheckboxField } from '../checkbox-field.tsx';
import { TextField } from '../text-field.tsx';
import { yesNo } from './settings-labels.ts';
import { issueAt, setTop, type SectionProps } from './settings-section.ts';
import { SUBJECT_PLACEHOLDERS } from './settings-types.ts';

const PLACEHOLDERS = SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ');

export function TextContentFields({ value, defaults, onChange, issues, disabled }: SectionProps) {
  return (
    <fieldset class="settings-group">
      <legend>Subject and text</legend>
      <TextField
        label="Subject in the calendar"
        value={value.subjectTemplate}
        onChange={(t) => onChange(setTop(value, 'subjectTemplate', t))}
        hint={`Placeholders: ${PLACEHOLDERS}. It must contain {title}. Applies to items written from now on.`}
        defaultText={defaults.subjectTemplate}
        issue={issueAt(issues, 'subjectTemplate')}
        disabled={disabled}
      />
      <CheckboxField
        label="Write SuperOffice participants into the calendar item's text"
        checked={value.participantsInDescription}
        onChange={(v) => onChange(setTop(value, 'participantsInDescription', v))}
        defaultText={yesNo(defaults.participantsInDescription)}
        issue={issueAt(issues, 'participantsInDescription')}
        disabled={disabled}
      />
      <CheckboxField
        label="Link a SuperOffice person found by an e-mail address in the text"
        checked={value.linkPersonByEmailInText}
        onChange={(v) => onChange(setTop(value, 'linkPersonByEmailInText', v))}
        defaultText={yesNo(defaults.linkPersonByEmailInText)}
        issue={issueAt(issues, 'linkPersonByEmailInText')}
        disabled={disabled}
      />
    </fieldset>
  );
}
