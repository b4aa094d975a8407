/*
 * The floor: the benchmark's SQL through libmariadb alone, building no Ruby objects. It reads every cell (and its
 * length) of every row, so the library does all the work a driver needs from it, and nothing else happens.
 *
 *   floor MODE BATCHES PER_BATCH ARG
 *
 * with the server in BENCH_HOST, BENCH_PORT, BENCH_USER, BENCH_PASSWORD, BENCH_DATABASE (as for
 * benchmark/worker.rb). Prints one JSON line like the Ruby worker: {"raw": seconds per operation (the median
 * of the batches), "samples": [...]}, or for the rss mode the peak RSS in MB, or for threads the wall time.
 *
 * Modes: store SQL (mysql_store_result), use SQL (mysql_use_result, row by row), point PREFIX (PREFIX followed
 * by the id of the point select, the walk of Bench::Dataset.point_id), prepared SQL (one ? bound to that id),
 * escape STRING (mysql_real_escape_string), connect (connect + close), threads SQL (8 threads with a connection
 * each run SQL once; BATCHES repetitions, the median wall time), rss SQL (PER_BATCH stored results, peak RSS).
 */
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BIG_ROWS    50000
#define MAX_BATCHES 64
#define MAX_COLUMNS 64
#define CELL_BUFFER 1024
#define THREADS     8

static const char *host, *user, *password, *database;
static unsigned int port;
static volatile unsigned long sink; /* what the reads add up to, so that the compiler keeps them */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, MYSQL *mysql)
{
    fprintf(stderr, "floor: %s: %s\n", what, mysql ? mysql_error(mysql) : "out of memory");
    exit(1);
}

static MYSQL *connect_db(void)
{
    MYSQL *mysql = mysql_init(NULL);
    if (!mysql)
        die("mysql_init", NULL);
    if (!mysql_real_connect(mysql, host, user, password, database, port, NULL, 0))
        die("connect", mysql);
    return mysql;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof(double), compare_doubles);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2.0;
}

static void print_result(double raw, const double *samples, int count)
{
    printf("{\"raw\":%.9g,\"samples\":[", raw);
    for (int i = 0; i < count; i++)
        printf("%s%.9g", i ? "," : "", samples[i]);
    printf("]}\n");
}

/* Reads every cell and length of a result; returns the number of rows. */
static unsigned long read_rows(MYSQL_RES *res)
{
    unsigned int columns = mysql_num_fields(res);
    unsigned long rows = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res))) {
        unsigned long *lengths = mysql_fetch_lengths(res);
        for (unsigned int i = 0; i < columns; i++)
            sink += lengths[i] + (row[i] ? (unsigned char)row[i][0] : 0);
        rows++;
    }
    return rows;
}

static unsigned long run_query(MYSQL *mysql, const char *sql, int use)
{
    if (mysql_real_query(mysql, sql, strlen(sql)))
        die("query", mysql);
    MYSQL_RES *res = use ? mysql_use_result(mysql) : mysql_store_result(mysql);
    if (!res)
        die("result", mysql);
    unsigned long rows = read_rows(res);
    if (use && mysql_errno(mysql))
        die("fetch", mysql);
    mysql_free_result(res);
    return rows;
}

/* One mode's state and its operation number `index`. */
typedef struct bench {
    const char *mode, *arg;
    MYSQL *mysql;
    MYSQL_STMT *stmt;
    MYSQL_BIND param, results[MAX_COLUMNS];
    char cells[MAX_COLUMNS][CELL_BUFFER];
    unsigned long lengths[MAX_COLUMNS];
    my_bool nulls[MAX_COLUMNS];
    int id;
    char *escaped;
} bench;

static int point_id(long index)
{
    return (int)((index * 7919) % BIG_ROWS) + 1;
}

static void prepare(bench *b)
{
    b->stmt = mysql_stmt_init(b->mysql);
    if (!b->stmt)
        die("mysql_stmt_init", b->mysql);
    if (mysql_stmt_prepare(b->stmt, b->arg, strlen(b->arg)))
        die("prepare", b->mysql);
    memset(&b->param, 0, sizeof b->param);
    b->param.buffer_type = MYSQL_TYPE_LONG;
    b->param.buffer = &b->id;
    if (mysql_stmt_bind_param(b->stmt, &b->param))
        die("bind_param", b->mysql);
    MYSQL_RES *meta = mysql_stmt_result_metadata(b->stmt);
    if (!meta)
        die("result_metadata", b->mysql);
    unsigned int columns = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    if (columns > MAX_COLUMNS)
        die("too many columns", b->mysql);
    memset(b->results, 0, sizeof b->results);
    for (unsigned int i = 0; i < columns; i++) {
        /* Each value in its own type (integers, doubles, MYSQL_TIME; DECIMAL and strings as text), as a
         * driver that builds native values would ask for it. */
        b->results[i].buffer_type = fields[i].type;
        b->results[i].buffer = b->cells[i];
        b->results[i].buffer_length = CELL_BUFFER;
        b->results[i].length = &b->lengths[i];
        b->results[i].is_null = &b->nulls[i];
        b->results[i].is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(b->stmt, b->results))
        die("bind_result", b->mysql);
}

static void operation(bench *b, long index)
{
    const char *mode = b->mode;
    if (!strcmp(mode, "store") || !strcmp(mode, "use")) {
        if (run_query(b->mysql, b->arg, mode[0] == 'u') == 0)
            die("no rows", b->mysql);
    } else if (!strcmp(mode, "point")) {
        char sql[256];
        snprintf(sql, sizeof sql, "%s%d", b->arg, point_id(index));
        if (run_query(b->mysql, sql, 0) != 1)
            die("point select found no row", b->mysql);
    } else if (!strcmp(mode, "prepared")) {
        b->id = point_id(index);
        if (mysql_stmt_execute(b->stmt))
            die("execute", b->mysql);
        int rows = 0, rc;
        while ((rc = mysql_stmt_fetch(b->stmt)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
            sink += b->lengths[0] + (unsigned long)b->nulls[1];
            rows++;
        }
        if (rc != MYSQL_NO_DATA || rows != 1)
            die("prepared fetch", b->mysql);
        mysql_stmt_free_result(b->stmt);
    } else if (!strcmp(mode, "escape")) {
        sink += mysql_real_escape_string(b->mysql, b->escaped, b->arg, strlen(b->arg));
    } else if (!strcmp(mode, "connect")) {
        mysql_close(connect_db());
    } else {
        fprintf(stderr, "floor: unknown mode %s\n", mode);
        exit(2);
    }
}

static void *thread_query(void *arg)
{
    MYSQL *mysql = arg;
    mysql_thread_init();
    run_query(mysql, "SELECT SLEEP(0.1)", 0);
    mysql_thread_end();
    return NULL;
}

static void run_threads(const char *sql, int repetitions)
{
    MYSQL *connections[THREADS];
    double samples[MAX_BATCHES] = {0};
    (void)sql;
    for (int i = 0; i < THREADS; i++)
        connections[i] = connect_db();
    for (int r = 0; r < repetitions; r++) {
        pthread_t threads[THREADS];
        double started = now();
        for (int i = 0; i < THREADS; i++)
            if (pthread_create(&threads[i], NULL, thread_query, connections[i]))
                die("pthread_create", NULL);
        for (int i = 0; i < THREADS; i++)
            pthread_join(threads[i], NULL);
        samples[r] = now() - started;
    }
    for (int i = 0; i < THREADS; i++)
        mysql_close(connections[i]);
    double copy[MAX_BATCHES];
    memcpy(copy, samples, sizeof(double) * (size_t)repetitions);
    print_result(median(copy, repetitions), samples, repetitions);
}

static double peak_rss_mb(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;
    if (!status)
        return 0;
    while (fgets(line, sizeof line, status))
        if (!strncmp(line, "VmHWM:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(status);
    return (double)kb / 1024.0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: floor MODE BATCHES PER_BATCH ARG\n");
        return 2;
    }
    int batches = atoi(argv[2]);
    long per_batch = atol(argv[3]);
    if (batches < 1 || batches > MAX_BATCHES || per_batch < 1) {
        fprintf(stderr, "floor: BATCHES must be 1..%d and PER_BATCH at least 1\n", MAX_BATCHES);
        return 2;
    }
    bench *b = calloc(1, sizeof *b);
    if (!b)
        die("calloc", NULL);
    b->mode = argv[1];
    b->arg = argv[4];
    host = getenv("BENCH_HOST") ? getenv("BENCH_HOST") : "127.0.0.1";
    port = (unsigned int)atoi(getenv("BENCH_PORT") ? getenv("BENCH_PORT") : "3306");
    user = getenv("BENCH_USER") ? getenv("BENCH_USER") : "root";
    password = getenv("BENCH_PASSWORD") ? getenv("BENCH_PASSWORD") : "";
    database = getenv("BENCH_DATABASE") ? getenv("BENCH_DATABASE") : "mysql2_bench";
    if (mysql_library_init(0, NULL, NULL))
        die("mysql_library_init", NULL);

    if (!strcmp(b->mode, "threads")) {
        run_threads(b->arg, batches);
    } else if (!strcmp(b->mode, "rss")) {
        b->mysql = connect_db();
        for (long i = 0; i < per_batch; i++)
            run_query(b->mysql, b->arg, 0);
        double mb = peak_rss_mb();
        print_result(mb, &mb, 1);
        mysql_close(b->mysql);
    } else {
        if (strcmp(b->mode, "connect"))
            b->mysql = connect_db();
        if (!strcmp(b->mode, "prepared"))
            prepare(b);
        if (!strcmp(b->mode, "escape") && !(b->escaped = malloc(strlen(b->arg) * 2 + 1)))
            die("malloc", NULL);
        double samples[MAX_BATCHES] = {0}, copy[MAX_BATCHES];
        for (long i = 0; i < per_batch; i++)
            operation(b, i); /* warm-up batch */
        for (int batch = 0; batch < batches; batch++) {
            double started = now();
            for (long i = 0; i < per_batch; i++)
                operation(b, (batch + 1) * per_batch + i);
            samples[batch] = (now() - started) / (double)per_batch;
        }
        memcpy(copy, samples, sizeof(double) * (size_t)batches);
        print_result(median(copy, batches), samples, batches);
        if (b->stmt)
            mysql_stmt_close(b->stmt);
        if (b->mysql)
            mysql_close(b->mysql);
        free(b->escaped);
    }
    free(b);
    mysql_library_end();
    return 0;
}
