/**
 * Cost lines of the ingestion path: Kinesis Data Streams, Data Firehose, Lambda and S3. One function
 * per service, each reading the month's {@link MonthlyUsage}. Pure.
 */
import { billable, CostLine, gib, line } from "./cost-line";
import { bytes, ceilSafe, DAYS_PER_MONTH, HOURS_PER_MONTH, KiB, num, rate, roundUpTo, SECONDS_PER_MONTH } from "./units";
import { MonthlyUsage, recordsText } from "./usage";

/** Kinesis Data Streams: shards or on-demand capacity, and the retention beyond 24 hours. */
export function kinesisCosts(u: MonthlyUsage): CostLine[] {
  const lines = u.settings.stream.mode === "PROVISIONED" ? provisionedStreamCosts(u) : onDemandStreamCosts(u);
  const K = u.prices.kinesis;
  const retention = u.settings.stream.retentionHours;
  const longTermGbMonth = (Math.max(0, retention - 168) / 24) * u.dailyJsonGb;
  if (longTermGbMonth > 0) {
    lines.push(
      line(
        "Kinesis Data Streams",
        `long-term retention (${retention} h)`,
        longTermGbMonth * K.longTermRetentionGbMonth.usd,
        `${num(u.dailyJsonGb)} GiB/day × ${num((retention - 168) / 24)} days beyond 7 = ${num(longTermGbMonth)} GiB-month × ${rate(K.longTermRetentionGbMonth.usd)}`,
        K.longTermRetentionGbMonth,
      ),
    );
  }
  return lines;
}

function provisionedStreamCosts(u: MonthlyUsage): CostLine[] {
  const { volumes: v, workload, billedShards } = u;
  const K = u.prices.kinesis;
  const retention = u.settings.stream.retentionHours;
  const shardLabel = `${billedShards} shard${billedShards === 1 ? "" : "s"}`;
  const lines = [
    line(
      "Kinesis Data Streams",
      "shard-hours",
      billedShards * HOURS_PER_MONTH * K.shardHour.usd,
      `${shardLabel} × ${HOURS_PER_MONTH} h × ${rate(K.shardHour.usd)}`,
      K.shardHour,
    ),
  ];
  const units =
    v.streamRecords * ceilSafe(v.streamRecordBytes / (25 * KiB)) + v.batchRecords * ceilSafe(workload.averageRecordBytes / (25 * KiB));
  lines.push(
    line(
      "Kinesis Data Streams",
      "PUT payload units (25 KiB steps)",
      (units / 1e6) * K.putPayloadUnitsPerMillion.usd,
      `${recordsText(u, "unit", (b) => ceilSafe(b / (25 * KiB)))} = ${num(units / 1e6)}M units × ${rate(K.putPayloadUnitsPerMillion.usd)}/M`,
      K.putPayloadUnitsPerMillion,
    ),
  );
  if (retention > 24) {
    lines.push(
      line(
        "Kinesis Data Streams",
        `extended retention (${Math.min(retention, 168)} h)`,
        billedShards * HOURS_PER_MONTH * K.extendedRetentionShardHour.usd,
        `${shardLabel} × ${HOURS_PER_MONTH} h × ${rate(K.extendedRetentionShardHour.usd)}`,
        K.extendedRetentionShardHour,
      ),
    );
  }
  return lines;
}

function onDemandStreamCosts(u: MonthlyUsage): CostLine[] {
  const { volumes: v, workload } = u;
  const K = u.prices.kinesis;
  const retention = u.settings.stream.retentionHours;
  const lines = [
    line(
      "Kinesis Data Streams",
      "on-demand stream-hours",
      HOURS_PER_MONTH * K.onDemandStreamHour.usd,
      `${HOURS_PER_MONTH} h × ${rate(K.onDemandStreamHour.usd)}`,
      K.onDemandStreamHour,
    ),
  ];
  const ingestBytes = v.streamRecords * roundUpTo(v.streamRecordBytes, KiB) + v.batchRecords * roundUpTo(workload.averageRecordBytes, KiB);
  const ingestGb = gib(ingestBytes);
  lines.push(
    line(
      "Kinesis Data Streams",
      "on-demand data in (1 KiB steps)",
      ingestGb * K.onDemandIngestGb.usd,
      `${recordsText(u, "B", (b) => roundUpTo(b, KiB))} = ${num(ingestGb)} GiB × ${rate(K.onDemandIngestGb.usd)}`,
      K.onDemandIngestGb,
    ),
  );
  lines.push(
    line(
      "Kinesis Data Streams",
      "on-demand data out",
      ingestGb * workload.consumers * K.onDemandRetrievalGb.usd,
      `${num(ingestGb)} GiB × ${workload.consumers} consumer${workload.consumers === 1 ? "" : "s"} × ${rate(K.onDemandRetrievalGb.usd)}`,
      K.onDemandRetrievalGb,
    ),
  );
  if (retention > 24) {
    const heldDays = (Math.min(retention, 168) - 24) / 24;
    const gbMonth = (ingestGb / DAYS_PER_MONTH) * heldDays;
    lines.push(
      line(
        "Kinesis Data Streams",
        `extended retention (${Math.min(retention, 168)} h)`,
        gbMonth * K.onDemandExtendedRetentionGbMonth.usd,
        `${num(ingestGb / DAYS_PER_MONTH)} GiB/day × ${num(heldDays)} days held beyond 24 h = ${num(gbMonth)} GiB-month × ${rate(K.onDemandExtendedRetentionGbMonth.usd)}`,
        K.onDemandExtendedRetentionGbMonth,
      ),
    );
  }
  return lines;
}

/** Data Firehose: ingestion in 5 KiB steps, Parquet conversion, dynamic partitioning. */
export function firehoseCosts(u: MonthlyUsage): CostLine[] {
  const { volumes: v, workload } = u;
  const F = u.prices.firehose;
  const firehoseBytes =
    v.streamRecords * roundUpTo(v.streamRecordBytes, 5 * KiB) + v.batchRecords * roundUpTo(workload.averageRecordBytes, 5 * KiB);
  const firehoseGb = gib(firehoseBytes);
  const firehoseText = `${recordsText(u, "B", (b) => roundUpTo(b, 5 * KiB))} = ${num(firehoseGb)} GiB`;
  const lines = [
    line(
      "Data Firehose",
      "ingestion (5 KiB steps per record)",
      firehoseGb * F.ingestionGb.usd,
      `${firehoseText} × ${rate(F.ingestionGb.usd)}`,
      F.ingestionGb,
    ),
  ];
  if (u.parquet) {
    lines.push(
      line(
        "Data Firehose",
        "JSON → Parquet conversion",
        firehoseGb * F.formatConversionGb.usd,
        `${num(firehoseGb)} GiB (as billed for ingestion) × ${rate(F.formatConversionGb.usd)}`,
        F.formatConversionGb,
      ),
    );
  }
  if (u.settings.partitioning.partitionTime === "event") {
    const jsonGb = gib(v.jsonBytes);
    const objects = u.s3.dataFiles;
    lines.push(
      line(
        "Data Firehose",
        "dynamic partitioning, data",
        jsonGb * F.dynamicPartitioningGb.usd,
        `${num(jsonGb)} GiB delivered × ${rate(F.dynamicPartitioningGb.usd)}`,
        F.dynamicPartitioningGb,
      ),
    );
    lines.push(
      line(
        "Data Firehose",
        "dynamic partitioning, objects",
        (objects / 1000) * F.dynamicPartitioningPer1000Objects.usd,
        `${num(objects, 0)} objects ÷ 1,000 × ${rate(F.dynamicPartitioningPer1000Objects.usd)}`,
        F.dynamicPartitioningPer1000Objects,
      ),
    );
  }
  return lines;
}

/** Lambda: requests and arm64 duration of the transform and the batch functions. */
export function lambdaCosts(u: MonthlyUsage): CostLine[] {
  const { settings, volumes: v, batchRun, assumptions: A } = u;
  const L = u.prices.lambda;
  const { transformCalls, batchCalls, transformSeconds, mibPerCall, transformGbS, runGbS, batchGbS } = u.invocations;
  const calls = billable(transformCalls + batchCalls, u.prices.freeTiers.lambdaRequests, u.free);
  const transformText = `transform max(${num(SECONDS_PER_MONTH)} s ÷ ${settings.delivery.processorBufferIntervalSeconds} s, ${bytes(v.jsonBytes, 2)} ÷ ${settings.delivery.processorBufferSizeMB} MiB) = ${num(transformCalls, 0)}`;
  const batchText =
    v.batchRuns > 0
      ? ` + batch ${num(v.batchRuns)} runs × (1 extract + ${batchRun.chunks} push + ${batchRun.deliveryChecks} delivery checks + 1 finalize) = ${num(batchCalls, 0)}`
      : "";
  const gbS = billable(transformGbS + batchGbS, u.prices.freeTiers.lambdaGbSeconds, u.free);
  const durationText =
    `transform ${num(transformCalls, 0)} × ${num(transformSeconds, 3)} s (${A.transformBaseMs} ms + ${num(mibPerCall, 3)} MiB × ${A.transformMsPerMiB} ms) × ${num(settings.transform.memoryMiB / 1024, 3)} GB = ${num(transformGbS, 0)} GB-s` +
    (v.batchRuns > 0 ? ` + batch ${num(v.batchRuns)} runs × ${num(runGbS, 1)} GB-s = ${num(batchGbS, 0)} GB-s` : "");
  return [
    line(
      "Lambda",
      "requests",
      (calls.amount / 1e6) * L.requestsPerMillion.usd,
      `${transformText}${batchText}; ${calls.text} requests × ${rate(L.requestsPerMillion.usd)}/M`,
      L.requestsPerMillion,
    ),
    line(
      "Lambda",
      "duration (arm64)",
      gbS.amount * L.arm64GbSecond.usd,
      `${durationText}; ${gbS.text} GB-s × ${rate(L.arm64GbSecond.usd)}`,
      L.arm64GbSecond,
    ),
  ];
}

/** Days an object with this expiry is stored within the planned months of data. */
export const storedDays = (u: MonthlyUsage, expiration: number) => Math.min(expiration, DAYS_PER_MONTH * u.assumptions.monthsOfData);

/** S3: storage of data, raw backup, error records, query results and access logs; requests. */
export function s3Costs(u: MonthlyUsage): CostLine[] {
  return [...s3StorageCosts(u), ...s3RequestCosts(u)];
}

function s3StorageCosts(u: MonthlyUsage): CostLine[] {
  const { settings, workload, volumes: v, batchRun, parquet, dailyJsonGb, assumptions: A } = u;
  const S = u.prices.s3;
  const dataGb = gib(v.jsonBytes) * (parquet ? A.parquetRatio : A.gzipRatio) * A.monthsOfData;
  const lines = [
    line(
      "S3",
      `${parquet ? "Parquet" : "gzip JSON"} data (never expires)`,
      dataGb * S.storageGbMonth.usd,
      `${num(gib(v.jsonBytes))} GiB JSON/month × ${parquet ? A.parquetRatio : A.gzipRatio} × ${A.monthsOfData} month${A.monthsOfData === 1 ? "" : "s"} = ${num(dataGb)} GiB × ${rate(S.storageGbMonth.usd)}`,
      S.storageGbMonth,
    ),
  ];
  const rawDays = storedDays(u, settings.lake.rawBackupExpirationDays);
  const rawGb = dailyJsonGb * A.gzipRatio * rawDays;
  lines.push(
    line(
      "S3",
      `raw backup, gzip (${settings.lake.rawBackupExpirationDays}-day expiry)`,
      rawGb * S.storageGbMonth.usd,
      `${num(dailyJsonGb)} GiB/day × ${A.gzipRatio} × ${rawDays} days = ${num(rawGb)} GiB × ${rate(S.storageGbMonth.usd)}`,
      S.storageGbMonth,
    ),
  );
  const errorDays = storedDays(u, settings.lake.errorExpirationDays);
  const errorGb = dailyJsonGb * A.errorFraction * A.errorEnvelopeFactor * errorDays;
  lines.push(
    line(
      "S3",
      `error records (${settings.lake.errorExpirationDays}-day expiry)`,
      errorGb * S.storageGbMonth.usd,
      `${num(dailyJsonGb)} GiB/day × ${A.errorFraction} rejected × ${A.errorEnvelopeFactor} envelope × ${errorDays} days = ${num(errorGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`,
      S.storageGbMonth,
    ),
  );
  const resultQueriesPerDay = workload.athenaQueriesPerDay + (v.batchRuns / DAYS_PER_MONTH) * batchRun.validationRuns;
  const resultDays = storedDays(u, settings.lake.queryResultExpirationDays);
  const resultGb = gib(resultQueriesPerDay * A.queryResultBytes * resultDays);
  if (resultGb > 0) {
    lines.push(
      line(
        "S3",
        `query results (${settings.lake.queryResultExpirationDays}-day expiry)`,
        resultGb * S.storageGbMonth.usd,
        `${num(resultQueriesPerDay)} queries/day × ${bytes(A.queryResultBytes)} × ${resultDays} days = ${num(resultGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`,
        S.storageGbMonth,
      ),
    );
  }
  return lines;
}

function s3RequestCosts(u: MonthlyUsage): CostLine[] {
  const { settings, workload, volumes: v, batchRun, files, assumptions: A } = u;
  const S = u.prices.s3;
  const { dataFiles, rawFiles, resultPuts, stagingPuts, lists, puts, objectsPerQuery, gets } = u.s3;
  const lines = [
    line(
      "S3",
      "PUT and LIST requests",
      (puts / 1000) * S.putPer1000.usd,
      `${num(dataFiles, 0)} data files + ${num(rawFiles, 0)} raw backup files + ${num(resultPuts, 0)} query result writes + ${num(stagingPuts, 0)} batch staging writes + ${num(lists, 0)} LISTs (crawls, partitions per query, delivery checks) = ${num(puts, 0)} × ${rate(S.putPer1000.usd)}/1,000`,
      S.putPer1000,
    ),
    line(
      "S3",
      "GET requests",
      (gets / 1000) * S.getPer1000.usd,
      `${num(v.queries, 0)} queries × ${num(objectsPerQuery)} objects (${bytes(workload.athenaBytesScannedPerQuery)} ÷ ${bytes(files.fileBytes)} files) × ${A.getsPerObjectRead} GETs + ${num(v.batchRuns * batchRun.chunks, 0)} chunk reads = ${num(gets, 0)} × ${rate(S.getPer1000.usd)}/1,000`,
      S.getPer1000,
    ),
  ];
  if (settings.security.accessLogging) {
    const accessDays = storedDays(u, settings.security.accessLogExpirationDays);
    const accessGb = gib(((puts + gets) / DAYS_PER_MONTH) * A.accessLogRecordBytes * accessDays);
    lines.push(
      line(
        "S3",
        `access logs (${settings.security.accessLogExpirationDays}-day expiry)`,
        accessGb * S.storageGbMonth.usd,
        `${num(puts + gets, 0)} requests/month ÷ ${DAYS_PER_MONTH} × ${A.accessLogRecordBytes} B × ${accessDays} days = ${num(accessGb, 3)} GiB × ${rate(S.storageGbMonth.usd)}`,
        S.storageGbMonth,
      ),
    );
  }
  return lines;
}
