// Offline evaluation of the recommender on real data sets (see recs/eval/). Usage:
//   npm run eval:recs -- --dataset yoochoose --data /work/shared/data/yoochoose_rsc15_100k
//   npm run eval:recs -- --dataset csv --data <user,item,timestamp[,kind] file>
//   npm run eval:recs -- --dataset bread --data /work/shared/data/bread_basket
//   npm run eval:recs -- --dataset olist --data /work/shared/data/olist_catalog
import { parseArgs } from 'node:util';
import { runBreadEvaluation } from '../recs/eval/run-bread.ts';
import { runCsvEvaluation } from '../recs/eval/run-csv.ts';
import { runOlistEvaluation } from '../recs/eval/run-olist.ts';
import { runYoochooseEvaluation } from '../recs/eval/run-yoochoose.ts';

const runners: Record<string, (data: string) => void> = {
  yoochoose: runYoochooseEvaluation,
  csv: runCsvEvaluation,
  bread: runBreadEvaluation,
  olist: runOlistEvaluation,
};

const { values } = parseArgs({ options: { dataset: { type: 'string' }, data: { type: 'string' } } });
const run = runners[values.dataset ?? ''];
if (!run || !values.data) {
  console.error(`usage: eval-recs --dataset <${Object.keys(runners).join('|')}> --data <path>`);
  process.exit(2);
}
run(values.data);
