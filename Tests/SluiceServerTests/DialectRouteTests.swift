import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SluiceJSON
import SluiceModels
import SluicePipelines
import SluiceScheduler
import SluiceServer
import Testing

/// TEI's and OpenAI's routes on the fixture checkpoints: each answer is the reference's
/// (scripts/fixtures/make_request_option_fixtures.py and make_task_fixtures.py) in the
/// dialect's shape, and each error comes with the dialect's status and body.
@Suite("TEI, OpenAI and KServe routes", .serialized, .timeLimit(.minutes(3)))
struct DialectRouteTests {
    static let tasks = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/tasks")

    static func jsonLines(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONValue.parse(Data($0.utf8))
        }
    }

    /// A live server around a fixture folder; `body` gets a client for it.
    private func serving(
        _ folder: String, _ body: @escaping @Sendable (DialectClient) async throws -> Void
    )
        async throws
    {
        let path = Self.tasks.appendingPathComponent(folder).path
        try await withLiveServer(
            modelID: folder, { try Pipeline(folder: try ModelFolder(path: path), runtime: .forTests) }
        ) { port in
            try await body(DialectClient(port: port))
        }
    }

    /// The reference rows of a folder's request_options.jsonl for one kind of case.
    private func rows(
        _ folder: String, _ kind: String
    ) throws -> [(input: JSONValue, parameters: JSONValue, json: JSONValue)] {
        let text = try String(
            contentsOf: Self.tasks.appendingPathComponent("\(folder)/expected/request_options.jsonl"),
            encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let row = try JSONValue.parse(Data(line.utf8))
            guard row["task"] == .string(kind), let input = row["input"],
                case .string(let json)? = row["json"]
            else { return nil }
            return (input, row["parameters"] ?? .object([]), try JSONValue.parse(Data(json.utf8)))
        }
    }

    @Test("/embed, /v1/embeddings, /similarity, /tokenize and /decode on a sentence-transformers folder")
    func embeddingRoutes() async throws {
        let folder = "sentence-embeddings-cls-dense-normalize"
        let embeddings = try rows(folder, "sentence-embeddings").filter {
            $0.input.stringValue != nil && $0.parameters["normalize"] != nil
                && $0.parameters["truncate"] == nil
        }
        let tokenize = try rows(folder, "tokenize")
        let decode = try rows(folder, "decode")
        #expect(embeddings.count >= 4 && tokenize.count >= 4 && decode.count >= 8)
        try await serving(folder) { client in
            for row in embeddings {
                var body = row.parameters.objectMembers ?? []
                body.insert(("inputs", row.input), at: 0)
                let response = try await client.post("/embed", .object(body))
                #expect(response.status == .ok)
                #expect(sameJSON(try response.json(), .array([row.json])), "\(body)")
                #expect(Int(response.headers[HTTPField.Name("x-compute-tokens")!] ?? "") ?? 0 > 2)
            }
            // OpenAI: unit length after `dimensions`, as floats and as base64 of float32.
            for row in embeddings where row.parameters["normalize"] == .bool(true) {
                var body: [(String, JSONValue)] = [("input", row.input), ("model", .string(folder))]
                if let dimensions = row.parameters["dimensions"] { body.append(("dimensions", dimensions)) }
                let floats = try await client.post("/v1/embeddings", .object(body)).json()
                #expect(sameJSON(floats["data"]?.arrayValue?.first?["embedding"] ?? .null, row.json))
                #expect(floats["usage"]?["prompt_tokens"]?.integralValue ?? 0 > 2)
                body.append(("encoding_format", .string("base64")))
                let encoded = try await client.post("/v1/embeddings", .object(body)).json()
                let text = encoded["data"]?.arrayValue?.first?["embedding"]?.stringValue ?? ""
                let bytes = [UInt8](Data(base64Encoded: text) ?? Data())
                let decoded = stride(from: 0, to: bytes.count, by: 4).map { i in
                    JSONValue.number(
                        Double(
                            Float(bitPattern: bytes[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }))
                    )
                }
                #expect(sameJSON(.array(decoded), row.json))
            }
            for row in tokenize {
                let body = JSONValue.object([
                    ("inputs", row.input), ("add_special_tokens", row.parameters["add_special_tokens"]!),
                ])
                #expect(sameJSON(try await client.post("/tokenize", body).json(), .array([row.json])))
            }
            for row in decode {
                let body = JSONValue.object([
                    ("ids", row.input), ("skip_special_tokens", row.parameters["skip_special_tokens"]!),
                ])
                #expect(sameJSON(try await client.post("/decode", body).json(), .array([row.json])))
            }
            // The embedding routes' errors, in TEI's and OpenAI's shapes.
            let empty = try await client.post(
                "/embed", .object([("inputs", .array([.string("a"), .string("")]))]))
            #expect(empty.status == .badRequest)
            #expect(
                empty.text
                    == #"{"error":"Input validation error: `inputs` cannot be empty","error_type":"Empty"}"#)
            let predict = try await client.post("/predict", .object([("inputs", .string("a"))]))
            #expect(predict.status.code == 424)
            #expect(
                predict.text
                    == #"{"error":"Backend error: Model is not a classifier model","error_type":"Backend"}"#)
            let unknown = try await client.post(
                "/v1/embeddings",
                .object([("input", .string("a")), ("model", .string("text-embedding-3-small"))]))
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json()["error"]?["code"] == .string("model_not_found"))
            let models = try await client.get("/v1/models").json()
            #expect(models["data"]?.arrayValue?.first?["id"] == .string(folder))
            let model = try await client.get("/v1/models/\(folder)").json()
            #expect(model["ready"] == .bool(true) && model["object"] == .string("model"))
            let info = try await client.get("/info").json()
            #expect(info["model_type"] == .object([("embedding", .object([("pooling", .string("cls"))]))]))
        }
    }

    @Test("/similarity is the cosine of the embeddings")
    func similarityRoute() async throws {
        let folder = "sentence-embeddings-roberta-mean-normalize"
        let rows = try Self.jsonLines(
            Self.tasks.appendingPathComponent("\(folder)/expected/sentence_embeddings.jsonl"))
        let row = try #require(rows.first { $0["input"]?["source_sentence"] != nil })
        try await serving(folder) { client in
            let response = try await client.post("/similarity", .object([("inputs", row["input"]!)]))
            #expect(response.status == .ok)
            #expect(sameJSON(try response.json(), try JSONValue.parse(Data(row["json"]!.stringValue!.utf8))))
        }
    }

    @Test("/rerank, /v1/rerank and /v2/rerank rank as CrossEncoder.rank; /predict scores the one label")
    func rerankRoutes() async throws {
        let folder = "text-ranking-bert"
        let rows = try Self.jsonLines(
            Self.tasks.appendingPathComponent("\(folder)/expected/text_ranking.jsonl")
        )
        .filter { $0["input"]?["query"] != nil && $0["parameters"] == .object([]) }
        #expect(!rows.isEmpty)
        try await serving(folder) { client in
            for row in rows {
                let input = row["input"]!
                let reference = try JSONValue.parse(Data(row["json"]!.stringValue!.utf8)).arrayValue ?? []
                let tei = try await client.post(
                    "/rerank",
                    .object([
                        ("query", input["query"]!), ("texts", input["texts"]!), ("return_text", .bool(true)),
                    ]))
                #expect(tei.status == .ok)
                let expectedTEI = reference.map { item in
                    JSONValue.object([
                        ("index", item["corpus_id"]!),
                        ("text", input["texts"]!.arrayValue![item["corpus_id"]!.integralValue!]),
                        ("score", item["score"]!),
                    ])
                }
                #expect(sameJSON(try tei.json(), .array(expectedTEI)))
                for path in ["/v1/rerank", "/v2/rerank"] {
                    let cohere = try await client.post(
                        path,
                        .object([
                            ("query", input["query"]!), ("documents", input["texts"]!), ("top_n", .int(2)),
                        ]))
                    let results = try cohere.json()["results"]?.arrayValue ?? []
                    let expected = reference.prefix(2).map { item in
                        JSONValue.object([
                            ("index", item["corpus_id"]!),
                            (
                                "document",
                                .object([
                                    ("text", input["texts"]!.arrayValue![item["corpus_id"]!.integralValue!])
                                ])
                            ),
                            ("relevance_score", item["score"]!),
                        ])
                    }
                    #expect(sameJSON(.array(results), .array(Array(expected))), "\(path)")
                }
            }
            let predict = try await client.post(
                "/predict", .object([("inputs", .array([.string("a"), .string("b")]))]))
            #expect(predict.status == .ok)
            #expect(try predict.json().arrayValue?.count == 1)
            let info = try await client.get("/info").json()
            #expect(info["model_type"]?["reranker"] != nil)
            let tooMany = try await client.post(
                "/rerank",
                .object([
                    ("query", .string("q")), ("texts", .array(Array(repeating: .string("t"), count: 300))),
                ]))
            #expect(tooMany.status == .unprocessableContent)
            #expect(tooMany.text.contains("batch size 300 > maximum allowed batch size"))
            let tooManyDocuments = try await client.post(
                "/v1/rerank",
                .object([
                    ("query", .string("q")),
                    ("documents", .array(Array(repeating: .string("t"), count: 300))),
                ]))
            #expect(tooManyDocuments.status == .badRequest)
        }
    }

    @Test("/predict scores every label of a classifier, highest first; /rerank is TEI's 424")
    func predictRoute() async throws {
        try await serving("text-classification-bert") { client in
            let single = try await client.post("/predict", .object([("inputs", .string("a fine day"))]))
            let native = try await client.post(
                "/",
                .object([
                    ("inputs", .string("a fine day")),
                    ("parameters", .object([("top_k", .null), ("function_to_apply", .string("softmax"))])),
                ]))
            // The Inference API answers a lone text's labels as a list in a list.
            let expected = (try native.json().arrayValue?.first?.arrayValue ?? []).map {
                JSONValue.object([("score", $0["score"] ?? .null), ("label", $0["label"] ?? .null)])
            }
            #expect(expected.count >= 2)
            #expect(sameJSON(try single.json(), .array(expected)))
            let batch = try await client.post(
                "/predict",
                .object([
                    (
                        "inputs",
                        .array([.array([.string("a fine day")]), .array([.string("a"), .string("b")])])
                    )
                ]))
            #expect(try batch.json().arrayValue?.count == 2)
            #expect(sameJSON(try batch.json().arrayValue?.first ?? .null, .array(expected)))
            let rerank = try await client.post(
                "/rerank", .object([("query", .string("q")), ("texts", .array([.string("t")]))]))
            #expect(rerank.status.code == 424)
        }
    }

    @Test("/embed_sparse gives SparseEncoder's weights on a masked-LM checkpoint")
    func sparseRoute() async throws {
        let folder = "fill-mask-distilbert"
        let cases = try rows(folder, "sparse-embeddings").filter {
            $0.input.stringValue != nil && $0.parameters == .object([])
        }
        #expect(!cases.isEmpty)
        try await serving(folder) { client in
            for row in cases {
                let response = try await client.post("/embed_sparse", .object([("inputs", row.input)]))
                let ours = try response.json().arrayValue?.first ?? .null
                #expect(sameSparse(ours, row.json), "\(row.input.pythonJSON)")
            }
            let embed = try await client.post("/embed", .object([("inputs", .string("a"))]))
            #expect(embed.status.code == 424)
        }
    }

    @Test("KServe v2: binary BYTES in, binary FP32 out, the sentence-transformers reference's embeddings")
    func kserveV2Binary() async throws {
        let folder = "sentence-embeddings-cls-dense-normalize"
        let rows = try Self.jsonLines(
            Self.tasks.appendingPathComponent("\(folder)/expected/sentence_embeddings.jsonl")
        )
        .filter { $0["input"]?.stringValue != nil && $0["parameters"] == .object([]) }.prefix(2)
        let texts = rows.compactMap { $0["input"]?.stringValue }
        #expect(texts.count == 2)
        try await serving(folder) { client in
            // tritonclient's default: the texts as length-prefixed bytes after the JSON header,
            // every output asked for in binary.
            var tail: [UInt8] = []
            for text in texts {
                withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { tail += $0 }
                tail += text.utf8
            }
            let header = JSONValue.object([
                ("id", .string("r1")),
                (
                    "inputs",
                    .array([
                        .object([
                            ("name", .string("text")), ("shape", .array([.int(2)])),
                            ("datatype", .string("BYTES")),
                            ("parameters", .object([("binary_data_size", .int(tail.count))])),
                        ])
                    ])
                ),
                ("parameters", .object([("binary_data_output", .bool(true)), ("priority", .int(0))])),
            ]).pythonJSONBytes
            let response = try await client.send(
                .post, "/v2/models/\(folder)/infer", body: ByteBuffer(bytes: header + tail),
                headers: [HTTPField.Name("Inference-Header-Content-Length")!: String(header.count)])
            #expect(response.status == .ok)
            let length = Int(response.headers[HTTPField.Name("Inference-Header-Content-Length")!] ?? "") ?? -1
            let bytes = Array(response.body?.readableBytesView ?? ByteBuffer().readableBytesView)
            #expect(length > 0 && length < bytes.count)
            let json = try JSONValue.parse(bytes[0..<max(0, length)])
            #expect(json["id"] == .string("r1") && json["model_name"] == .string(folder))
            let output = json["outputs"]?.arrayValue?.first
            #expect(output?["datatype"] == .string("FP32"))
            let floats = stride(from: length, to: bytes.count, by: 4).map { i in
                Float(bitPattern: bytes[i..<i + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
            }
            let width = floats.count / 2
            #expect(output?["shape"] == .array([.int(2), .int(width)]))
            for (i, row) in rows.enumerated() {
                let reference = try JSONValue.parse(Data(row["json"]?.stringValue?.utf8 ?? "".utf8))
                let ours = JSONValue.array(
                    floats[(i * width)..<((i + 1) * width)].map { .number(Double($0)) })
                #expect(sameJSON(ours, reference))
            }
            let unknown = try await client.post("/v2/models/nope/infer", .object([]))
            #expect(unknown.status == .notFound)
            #expect(unknown.text == #"{"error":"Model with name nope does not exist."}"#)
            let short = try await client.send(
                .post, "/v2/models/\(folder)/infer", body: ByteBuffer(bytes: header + tail.dropLast()),
                headers: [HTTPField.Name("Inference-Header-Content-Length")!: String(header.count)])
            #expect(short.status == .badRequest)
            // Found by schemathesis: a shape whose element count overflows is a 400, not a crash.
            let huge = try await client.post(
                "/v2/models/\(folder)/infer",
                inferBody(
                    "INT64", shape: [28_492_534_973, 1_892_101_785, 485], ("data", .array([.int(1)]))))
            #expect(huge.status == .badRequest)
            // Found in review: a binary_data_size near Int.max is a 400, not an overflow.
            let beyond = try await client.post(
                "/v2/models/\(folder)/infer",
                inferBody(
                    "BYTES", shape: [1], ("parameters", .object([("binary_data_size", .int(Int.max))]))))
            #expect(beyond.status == .badRequest)
            let empty = try await client.post(
                "/v2/models/\(folder)/infer", inferBody("BYTES", shape: [0], ("data", .array([]))))
            #expect(empty.status == .badRequest)
            #expect(try await client.get("/v2/health/live").status == .ok)
        }
    }

    @Test("KServe v1 predict and v2 infer on a classifier: label ids, and every label's score")
    func kserveClassifier() async throws {
        let folder = "text-classification-bert"
        try await serving(folder) { client in
            let texts: [JSONValue] = [.string("Hello world!"), .string("a fine day")]
            let v1 = try await client.post(
                "/v1/models/\(folder):predict", .object([("instances", .array(texts))]))
            let v2 = try await client.post(
                "/v2/models/\(folder)/infer", inferBody("BYTES", shape: [2], ("data", .array(texts))))
            let outputs = try v2.json()["outputs"]?.arrayValue ?? []
            let ids = outputs.first { $0["name"] == .string("output-0") }?["data"]
            let scores =
                outputs.first { $0["name"] == .string("scores") }?["data"]?.arrayValue?.compactMap(
                    \.doubleValue) ?? []
            #expect(try v1.json()["predictions"] == ids)
            let labels = scores.count / 2
            #expect(labels >= 2)
            let argmax = (0..<2).map { row in
                JSONValue.int(
                    (0..<labels).max { scores[row * labels + $0] < scores[row * labels + $1] } ?? -1)
            }
            #expect(ids == .array(argmax))
        }
    }

    @Test("two models in one server: each answered by name on every dialect, the first by default")
    func twoModels() async throws {
        let embedder = "sentence-embeddings-cls-dense-normalize"
        let ranker = "text-ranking-bert"
        func load(_ folder: String) -> @Sendable () throws -> Pipeline {
            let path = Self.tasks.appendingPathComponent(folder).path
            return { try Pipeline(folder: try ModelFolder(path: path), runtime: .forTests) }
        }
        let app = buildApplication(
            configuration: ServerConfiguration(), logger: quietLogger,
            models: [
                ServedModel(name: "embedder", modelID: embedder, load: load(embedder)),
                ServedModel(name: "org/ranker", modelID: ranker, load: load(ranker)),
            ])
        try await app.test(.live) { testClient in
            let client = DialectClient(port: testClient.port!)
            try await waitUntil { (try? await client.get("/health"))?.status == .ok }
            let models = try await client.get("/v1/models").json()["data"]?.arrayValue?.compactMap {
                $0["id"]
            }
            #expect(models == [.string("embedder"), .string("org/ranker")])
            // The default model answers the routes that name none; the other by its name.
            let embedded = try await client.post("/embed", .object([("inputs", .string("a fine day"))]))
            let named = try await client.post(
                "/models/embedder/embed", .object([("inputs", .string("a fine day"))]))
            #expect(embedded.status == .ok && embedded.text == named.text)
            let ranked = try await client.post(
                "/models/org/ranker/rerank",
                .object([("query", .string("q")), ("texts", .array([.string("a")]))]))
            #expect(ranked.status == .ok)
            let cohere = try await client.post(
                "/v1/rerank",
                .object([
                    ("model", .string("org/ranker")), ("query", .string("q")),
                    ("documents", .array([.string("a")])),
                ]))
            #expect(try cohere.json()["model"] == .string("org/ranker"))
            let wrongModel = try await client.post(
                "/models/org/ranker/embed", .object([("inputs", .string("a"))]))
            #expect(wrongModel.status.code == 424)
            let unknown = try await client.post("/models/nope/embed", .object([("inputs", .string("a"))]))
            #expect(unknown.status == .notFound)
            #expect(try await client.get("/v2/models/org/ranker/ready").status == .ok)
            #expect(
                try await client.get("/models/org/ranker/info").json()["served_model_name"]
                    == .string("org/ranker"))
            let metrics = try await client.get("/metrics").text
            #expect(metricValue(metrics, #"sluice_compute_seconds_count{model="embedder"}"#) == 2)
            #expect(metricValue(metrics, #"sluice_compute_seconds_count{model="org/ranker"}"#) == 2)
        }
    }

    @Test("a full queue is TEI's 429 and OpenAI's 503 with Retry-After")
    func fullQueue() async throws {
        let pipeline = FakePipeline(taskName: "sentence-embeddings")
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(maxBatchSize: 1, maxQueue: 1))
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            let client = DialectClient(port: server.port)
            let running = Task { try await client.post("/embed", .object([("inputs", .string("job 0"))])) }
            try await waitUntil("first batch") { pipeline.isComputing }
            let queued = Task { try await client.post("/embed", .object([("inputs", .string("job 1"))])) }
            try await waitUntil("job 1 queued") { try await queueDepth(server) == 1 }
            let tei = try await client.post("/embed", .object([("inputs", .string("job 2"))]))
            #expect(tei.status == .tooManyRequests)
            #expect(
                tei.text
                    == #"{"error":"the server is overloaded: the queue is full","error_type":"Overloaded"}"#)
            let openAI = try await client.post("/v1/embeddings", .object([("input", .string("job 3"))]))
            #expect(openAI.status == .serviceUnavailable)
            #expect(openAI.headers[.retryAfter] != nil)
            #expect(try openAI.json()["error"]?["type"] == .string("server_error"))
            pipeline.release()
            #expect(try await running.value.status == .ok)
            #expect(try await queued.value.status == .ok)
        }
    }
    @Test("KServe's priority levels: 1 first, 0 and 2 the default level, 3 after; a negative one is 400")
    func kservePriority() async throws {
        let pipeline = FakePipeline(taskName: "sentence-embeddings")
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(maxBatchSize: 1, maxRefillWait: .zero))
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }
            let client = DialectClient(port: server.port)
            func infer(_ text: String, level: Int?) async throws -> TestClient.Response {
                guard
                    case .object(var members) = inferBody(
                        "BYTES", shape: [1], ("data", .array([.string(text)])))
                else { fatalError("inferBody gives an object") }
                if let level { members.append(("parameters", .object([("priority", .int(level))]))) }
                return try await client.post("/v2/models/\(configuration.modelName)/infer", .object(members))
            }
            let first = Task { try await infer("first", level: nil) }
            try await waitUntil("first computing") { pipeline.isComputing }
            var queued: [Task<TestClient.Response, any Error>] = []
            for (depth, (text, level)) in [("three", 3), ("zero", 0), ("two", 2), ("one", 1)].enumerated() {
                queued.append(Task { try await infer(text, level: level) })
                try await waitUntil("\(text) queued") { try await queueDepth(server) == depth + 1 }
            }
            pipeline.release()
            for task in [first] + queued { #expect(try await task.value.status == .ok) }
            #expect(pipeline.batches == [["first"], ["one"], ["zero"], ["two"], ["three"]])

            let negative = try await infer("x", level: -1)
            #expect(negative.status == .badRequest)
            #expect(
                negative.text
                    == #"{"error":"\"priority\" must be 0 (the default level) or a level from 1 (most urgent)"}"#
            )
        }
    }
}

/// A KServe v2 request of one input tensor of `datatype` and `shape`, its values given by
/// `values` (`data`, or `parameters` for the binary extension).
func inferBody(_ datatype: String, shape: [Int], _ values: (String, JSONValue)) -> JSONValue {
    .object([
        (
            "inputs",
            .array([
                .object([
                    ("name", .string("input-0")), ("datatype", .string(datatype)),
                    ("shape", .array(shape.map(JSONValue.int))), values,
                ])
            ])
        )
    ])
}

/// Sends JSON to a live server, one connection per request.
struct DialectClient: Sendable {
    let port: Int

    func post(_ path: String, _ body: JSONValue) async throws -> TestClient.Response {
        try await send(.post, path, body: ByteBuffer(bytes: body.pythonJSONBytes))
    }

    func get(_ path: String) async throws -> TestClient.Response { try await send(.get, path, body: nil) }

    /// A request with `headers`; JSON's content type unless they give another or carry the
    /// binary extension's header (tritonclient sends no content type).
    func send(
        _ method: HTTPRequest.Method, _ path: String, body: ByteBuffer?, headers: HTTPFields = [:]
    ) async throws -> TestClient.Response {
        var headers = headers
        if headers[.contentType] == nil && headers[HTTPField.Name("Inference-Header-Content-Length")!] == nil
        {
            headers[.contentType] = "application/json"
        }
        let request = TestClient.Request(
            path, method: method, authority: "localhost", headers: headers, body: body)
        return try await TestClient.withClient(host: "localhost", port: port) {
            try await $0.execute(request)
        }
    }
}

extension TestClient.Response {
    func json() throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }
}

/// Sparse vectors as `[{"index", "value"}]`, equal within 1e-4 entry by entry, a missing entry
/// counting as zero (a logit within rounding of zero may fall on either side of the ReLU).
func sameSparse(_ a: JSONValue, _ b: JSONValue) -> Bool {
    func entries(_ json: JSONValue) -> [Int: Double] {
        var result: [Int: Double] = [:]
        for item in json.arrayValue ?? [] {
            if let index = item["index"]?.integralValue, let value = item["value"]?.doubleValue {
                result[index] = value
            }
        }
        return result
    }
    let x = entries(a)
    let y = entries(b)
    return !y.isEmpty && Set(x.keys).union(y.keys).allSatisfy { abs((x[$0] ?? 0) - (y[$0] ?? 0)) <= 1e-4 }
}
