import { useId, useState, type FormEvent } from 'react';
import type { Session } from '../../lib/auth.ts';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, formatTime, useAction } from '../../lib/ui.tsx';
import { api, type Application, type ApplicationStage } from '../api.ts';

/** The stage an application waits in, or null once decided. */
export function openStage(a: Application): ApplicationStage | null {
  return a.stage === 'DECIDED' ? null : a.stages[a.stages.length - 1] ?? null;
}

/**
 * What the signed-in department may do with the open stage, as the gateway decides it (the gateway
 * refuses anything else anyway): decide it as a review, decide it as an escalation, or nothing.
 */
export function actionFor(session: Session, a: Application): 'review' | 'escalation' | null {
  const stage = openStage(a);
  if (!stage || session.department === a.consumer) return null;
  const admin = session.roles.includes('admin');
  if (stage.name === 'PROVIDER_REVIEW') {
    const mayAct = admin || (session.department === stage.holder && session.roles.includes('provider'));
    const preReviewer = a.stages.find((s) => s.name === 'PRE_REVIEW')?.decidedBy;
    return mayAct && !(preReviewer === session.department && session.department !== stage.holder) ? 'review' : null;
  }
  if (session.department !== stage.holder || !admin) return null;
  if (stage.name === 'ESCALATED') return session.department === a.provider ? null : 'escalation';
  return 'review';
}

/** Whether the consumer may take this refusal to the data authority (the gateway checks the rest). */
export function mayEscalate(session: Session, a: Application): boolean {
  return session.department === a.consumer && a.status === 'REJECTED' && a.stage === 'DECIDED'
    && a.stages.some((s) => s.name === 'PROVIDER_REVIEW' && s.decision === 'REJECTED') && !a.stages.some((s) => s.name === 'ESCALATED');
}

export function StageBadge({ application: a }: { application: Application }) {
  const { t, tx } = useI18n();
  const stage = openStage(a);
  return (
    <span className="stage-badge">
      <span className={`badge ${stage ? 'badge-info' : 'badge-muted'}`}>{tx(`stage_${a.stage}`, a.stage)}</span>
      {stage && <span className="muted small"> {t('stageAt', { holder: stage.holderName ?? stage.holder })}</span>}
    </span>
  );
}

/** Every stage so far: who held it, until when, how it ended, its extension, and whether it ran late. */
export function StageTimeline({ application: a }: { application: Application }) {
  const { t, tx, lang } = useI18n();
  const colon = lang === 'zh' ? '：' : ': ';
  return (
    <ol className="stages" aria-label={t('stagesTitle')}>
      {a.stages.map((s, i) => (
        <li key={`${s.name}-${i}`} className={`stage${s.overdue ? ' is-overdue' : ''}${s.decidedAt ? '' : ' stage-open'}`}>
          <div className="stage-head">
            <strong>{tx(`stage_${s.name}`, s.name)}</strong> <span className="muted">{s.holderName ?? s.holder}</span>{' '}
            {s.overdue && <span className="badge badge-danger">{t('overdue')}</span>}
          </div>
          <div className="small">
            {t('stageStarted')} {formatTime(s.startedAt, lang)} · {t('stageDue')} <strong>{s.deadline}</strong>
            {s.decidedAt
              ? <> · {tx(`${s.name === 'ESCALATED' ? 'escDecision' : 'decision'}_${s.decision}`, s.decision ?? '')} {formatTime(s.decidedAt, lang)}{s.decidedBy && s.decidedBy !== s.holder ? ` (${s.decidedBy})` : ''}</>
              : <> · <em>{t('stageOpen')}</em></>}
          </div>
          {s.name === 'ESCALATED' && a.escalationReason && <div className="small">{t('escalationReason')}{colon}{a.escalationReason}</div>}
          {s.reason && <div className="small">{t('reason')}{colon}{s.reason}</div>}
          {s.extendedBy !== null && <div className="small stage-extension">{t('extendedNote', { n: s.extendedBy, reason: s.extensionReason ?? '' })}</div>}
        </li>
      ))}
    </ol>
  );
}

/** The holder of the open stage moves its deadline once, by 1..max working days, saying why. */
export function ExtendForm({ application: a, max, onDone }: { application: Application; max: number; onDone: (a: Application) => void }) {
  const { t } = useI18n();
  const [days, setDays] = useState('2');
  const [reason, setReason] = useState('');
  const { problem, error, busy, run } = useAction();
  const ids = { days: useId(), reason: useId(), hint: useId() };
  const stage = openStage(a);
  if (!stage || stage.extendedBy !== null || stage.overdue) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(!reason.trim() ? t('extendRequired') : null, async () => onDone(await api.extend(a.id, Number(days), reason.trim())));
  };
  return (
    <form className="extend" onSubmit={submit} aria-describedby={ids.hint}>
      <div className="field">
        <label htmlFor={ids.days}>{t('extendDays', { max })}</label>
        <input id={ids.days} type="number" min={1} max={max} step={1} value={days} onChange={(e) => setDays(e.target.value)} required />
      </div>
      <div className="field grow">
        <label htmlFor={ids.reason}>{t('extendReason')}</label>
        <input id={ids.reason} type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <button type="submit" className="button-secondary" disabled={busy}>{t('extend')}</button>
      <p id={ids.hint} className="muted small">{t('extendOnce')}</p>
      {problem && <p className="error" role="alert">{problem}</p>}
      <ErrorMessage error={error} />
    </form>
  );
}

/** The consumer's request to the data authority to review a refusal (争议协调). */
export function EscalateForm({ application: a, onDone }: { application: Application; onDone: (a: Application) => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const { problem, error, busy, run } = useAction();
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(!reason.trim() ? t('escalateRequired') : null, async () => onDone(await api.escalate(a.id, reason.trim())));
  };
  return (
    <details className="escalate">
      <summary>{t('escalate')}</summary>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor={id}>{t('escalateReason')}</label>
          <input id={id} type="text" value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <div><button type="submit" disabled={busy}>{t('escalate')}</button></div>
        {problem && <p className="error" role="alert">{problem}</p>}
        <ErrorMessage error={error} />
      </form>
    </details>
  );
}
