import type { DescribedSetting } from './setting.ts';

/** The rows help and docs show: one per setting, or one per family (`TOLLGATE_<SERVER>_URL`). */
export function settingRows(settings: readonly DescribedSetting[]): DescribedSetting[] {
  const rows: DescribedSetting[] = [];
  const families = new Set<string>();
  for (const setting of settings) {
    if (setting.family === undefined) rows.push(setting);
    else if (!families.has(setting.family)) {
      families.add(setting.family);
      rows.push({ ...setting, name: setting.family });
    }
  }
  return rows;
}

function defaultText(setting: DescribedSetting, quote: (value: string) => string): string {
  if (setting.required) return 'required';
  if (setting.default !== undefined) return quote(setting.default);
  return setting.unset ?? 'unset';
}

/** The settings part of a command's `--help`: each variable, its kind, default and meaning. */
export function settingsHelp(settings: readonly DescribedSetting[], title: string): string {
  const rows = settingRows(settings);
  const width = Math.min(34, Math.max(...rows.map((row) => row.name.length)));
  const lines = rows.map((row) => {
    const head = `  ${row.name.padEnd(width)}  ${row.type}; ${defaultText(row, (value) => `default ${value}`)}${row.secret ? '; secret' : ''}`;
    return `${head}\n  ${' '.repeat(width)}  ${row.description}`;
  });
  return `\n${title}:\n${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table of settings, as the docs show them between their `settings:` markers. */
export function settingsTable(settings: readonly DescribedSetting[]): string {
  const lines = settingRows(settings).map((row) => {
    const fallback = defaultText(row, (value) => `\`${value}\``);
    const sentence = `${row.description.charAt(0).toUpperCase()}${row.description.slice(1)}.`;
    const description = `${sentence}${row.secret ? ' **Secret**: never printed.' : ''}`;
    return `| \`${row.name}\` | ${cell(row.type)} | ${cell(fallback)} | ${cell(description)} |`;
  });
  return ['| Variable | Type | Default | Meaning |', '| --- | --- | --- | --- |', ...lines].join('\n');
}
