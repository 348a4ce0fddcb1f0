/** A line chart as a standalone SVG, no dependencies: axes with ticks (linear or log), one line per series, legend. */
import type { Chart } from '../scenario.js';

const WIDTH = 640;
const HEIGHT = 380;
const MARGIN = { left: 70, right: 170, top: 40, bottom: 55 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function label(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

/** Tick values: powers of ten (and their 2× and 5×, when few) on a log axis, about five round steps on a linear one. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const values: number[] = [];
    for (let power = Math.floor(Math.log10(min)); power <= Math.ceil(Math.log10(max)); power++) {
      for (const factor of [1, 2, 5]) {
        const value = factor * 10 ** power;
        if (value >= min * 0.999 && value <= max * 1.001) values.push(value);
      }
    }
    return values.length > 8 ? values.filter((value) => Math.log10(value) % 1 === 0) : values;
  }
  const raw = (max - min) / 5 || 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw)!;
  const values: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) values.push(value);
  return values;
}

function scale(min: number, max: number, log: boolean, from: number, to: number) {
  const [low, high] = log ? [Math.log10(min), Math.log10(max)] : [min, max];
  const span = high - low || 1;
  return (value: number) => from + (((log ? Math.log10(value) : value) - low) / span) * (to - from);
}

export function renderChart(chart: Chart): string {
  const points = chart.series
    .flatMap((series) => series.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const logX = chart.logX === true && Math.min(...xs) > 0;
  const logY = chart.logY === true && Math.min(...ys) > 0;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = logY ? Math.min(...ys) : 0;
  const yMax = Math.max(...ys) * 1.05 || 1;
  const plot = { left: MARGIN.left, right: WIDTH - MARGIN.right, top: MARGIN.top, bottom: HEIGHT - MARGIN.bottom };
  const x = scale(xMin, xMax === xMin ? xMin + 1 : xMax, logX, plot.left, plot.right);
  const y = scale(yMin, yMax, logY, plot.bottom, plot.top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="22" text-anchor="middle" font-size="15">${escape(chart.title)}</text>`,
  ];
  for (const value of ticks(yMin || (logY ? 1 : 0), yMax, logY)) {
    const at = y(value).toFixed(1);
    parts.push(
      `<line x1="${plot.left}" x2="${plot.right}" y1="${at}" y2="${at}" stroke="#ddd"/>`,
      `<text x="${plot.left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${label(value)}</text>`,
    );
  }
  for (const value of ticks(xMin, xMax, logX)) {
    const at = x(value).toFixed(1);
    parts.push(
      `<line x1="${at}" x2="${at}" y1="${plot.bottom}" y2="${plot.bottom + 5}" stroke="#333"/>`,
      `<text x="${at}" y="${plot.bottom + 18}" text-anchor="middle">${label(value)}</text>`,
    );
  }
  parts.push(
    `<polyline points="${plot.left},${plot.top} ${plot.left},${plot.bottom} ${plot.right},${plot.bottom}" fill="none" stroke="#333"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escape(chart.xLabel)}${logX ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(18 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`,
  );
  chart.series.forEach((series, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const coordinates = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`);
    parts.push(`<polyline points="${coordinates.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const coordinate of coordinates) {
      const [cx, cy] = coordinate.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3.5" fill="${colour}"/>`);
    }
    const legendY = plot.top + 10 + index * 20;
    parts.push(
      `<line x1="${plot.right + 15}" x2="${plot.right + 35}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${plot.right + 40}" y="${legendY}" dominant-baseline="middle">${escape(series.name)}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
