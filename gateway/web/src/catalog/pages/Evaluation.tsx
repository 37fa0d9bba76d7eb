import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useI18n } from '../../lib/i18n.ts';
import { ErrorMessage, Loading, useQuery } from '../../lib/ui.tsx';
import { api, type Evaluation } from '../api.ts';

echarts.use([BarChart, GridComponent, TooltipComponent, LegendComponent, AriaComponent, SVGRenderer]);

interface Series { name: string; values: Array<number | null>; color: string }

/** A horizontal bar chart (department names stay readable on a phone), bundled ECharts, SVG output. */
function Bars({ title, labels, series, unit = '', max }: { title: string; labels: string[]; series: Series[]; unit?: string; max?: number }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const empty = series.every((s) => s.values.every((v) => v == null));
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = echarts.init(element, undefined, { renderer: 'svg' });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(element);
    return () => { observer.disconnect(); chart.dispose(); };
  }, [empty]);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const chart = echarts.getInstanceByDom(element);
    chart?.setOption({
      aria: { enabled: true },
      animation: false,
      textStyle: { fontFamily: 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif' },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v == null ? '—' : `${v}${unit}`) },
      legend: series.length > 1 ? { top: 0 } : { show: false },
      grid: { left: 8, right: 24, top: series.length > 1 ? 30 : 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: unit ? undefined : 1, ...(max !== undefined ? { max } : {}), axisLabel: { formatter: `{value}${unit}` } },
      yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { width: 120, overflow: 'truncate' } },
      series: series.map((s) => ({
        type: 'bar', name: s.name, data: s.values, itemStyle: { color: s.color }, barMaxWidth: 18,
        label: { show: true, position: 'right', formatter: (p: { value: unknown }) => (p.value == null ? '' : `${p.value}${unit}`) },
      })),
    }, true);
  }, [labels, series, unit, max, empty]);
  const summary = labels.map((label, i) => `${label}: ${series.map((s) => `${s.name} ${s.values[i] ?? '—'}${unit}`).join(', ')}`).join('; ');
  return (
    <figure className="chart panel">
      <figcaption><h2>{title}</h2></figcaption>
      {empty ? <p className="muted">{t('noData')}</p> : <div ref={ref} className="chart-canvas" role="img" aria-label={`${title}. ${summary}`} style={{ height: `${Math.max(180, labels.length * (series.length > 1 ? 40 : 30) + 60)}px` }} />}
    </figure>
  );
}

/** Answer times, overdue counts, share rate and escalation outcomes per department, then every number in a table. */
export function EvaluationPage() {
  const { t } = useI18n();
  const data = useQuery((signal) => api.evaluation({ signal }), []);
  const rows: Evaluation[] = data.data ?? [];
  const labels = rows.map((r) => r.name);
  return (
    <>
      <h1>{t('evaluationTitle')}</h1>
      <p className="muted">{t('evaluationIntro')}</p>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading /> : (
        <>
          <div className="charts">
            <Bars title={t('chartAnswerTime')} labels={labels}
              series={[{ name: t('chartAnswerTime'), values: rows.map((r) => r.meanAnswerWorkingDays), color: '#0b5cad' }]} />
            <Bars title={t('chartOverdue')} labels={labels} series={[
              { name: t('seriesAppsOverdue'), values: rows.map((r) => r.applicationsOverdue), color: '#b3261e' },
              { name: t('seriesIssuesOverdue'), values: rows.map((r) => r.dataIssuesOverdue), color: '#e08a00' },
            ]} />
            <Bars title={t('chartShareRate')} labels={labels} unit="%" max={100}
              series={[{ name: t('chartShareRate'), values: rows.map((r) => (r.shareRate == null ? null : Math.round(r.shareRate * 1000) / 10)), color: '#1b7f3b' }]} />
            <Bars title={t('chartEscalations')} labels={labels} series={[
              { name: t('seriesEscUpheld'), values: rows.map((r) => r.escalationsUpheld), color: '#4a5261' },
              { name: t('seriesEscOverturned'), values: rows.map((r) => r.escalationsOverturned), color: '#b3261e' },
              { name: t('seriesEscPending'), values: rows.map((r) => r.escalationsPending), color: '#e08a00' },
            ]} />
          </div>
          <div className="table-wrap panel">
            <table className="cards">
              <thead>
                <tr>
                  <th scope="col">{t('evDepartment')}</th><th scope="col">{t('evResources')}</th><th scope="col">{t('evShareRate')}</th>
                  <th scope="col">{t('evReceived')}</th><th scope="col">{t('evAnswered')}</th><th scope="col">{t('evInTime')}</th>
                  <th scope="col">{t('overdue')}</th><th scope="col">{t('evPending')}</th><th scope="col">{t('evMean')}</th>
                  <th scope="col">{t('evIssues')}</th><th scope="col">{t('evServed')}</th><th scope="col">{t('evConsumed')}</th>
                  <th scope="col">{t('evEscalations')}</th><th scope="col">{t('evExtensions')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.department}>
                    <th scope="row" data-label={t('evDepartment')}>{r.name} <span className="muted small">{r.department}</span></th>
                    <td data-label={t('evResources')}>{r.resourcesPublished}</td>
                    <td data-label={t('evShareRate')}>{r.shareRate == null ? '—' : `${Math.round(r.shareRate * 1000) / 10}%`}</td>
                    <td data-label={t('evReceived')}>{r.applicationsReceived}</td>
                    <td data-label={t('evAnswered')}>{r.applicationsAnswered}</td>
                    <td data-label={t('evInTime')}>{r.applicationsAnsweredInTime}</td>
                    <td data-label={t('overdue')}>{r.applicationsOverdue > 0 ? <span className="badge badge-danger">{r.applicationsOverdue}</span> : 0}</td>
                    <td data-label={t('evPending')}>{r.applicationsPending}</td>
                    <td data-label={t('evMean')}>{r.meanAnswerWorkingDays ?? '—'}</td>
                    <td data-label={t('evIssues')}>{r.dataIssuesReceived} / {r.dataIssuesResolved} / {r.dataIssuesOverdue}</td>
                    <td data-label={t('evServed')}>{r.requestsServed}</td>
                    <td data-label={t('evConsumed')}>{r.requestsConsumed}</td>
                    <td data-label={t('evEscalations')}>
                      {r.escalationsReceived} / {r.escalationsPending > 0 ? <span className="badge badge-warn">{r.escalationsPending}</span> : 0} / {r.escalationsUpheld} / {r.escalationsOverturned > 0 ? <span className="badge badge-danger">{r.escalationsOverturned}</span> : 0}
                    </td>
                    <td data-label={t('evExtensions')}>{r.deadlineExtensions}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
