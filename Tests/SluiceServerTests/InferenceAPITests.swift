import Hummingbird
import HummingbirdTesting
import SluiceScheduler
import SluiceServer
import Testing

@Suite("POST /: raw text and the Hugging Face Inference API", .timeLimit(.minutes(2)))
struct InferenceAPITests {
    @Test("raw text answers the pipeline's output as compact JSON")
    func rawTextAnswersCompactJSON() async throws {
        try await withServer { server in
            // curl -d sends application/x-www-form-urlencoded: still raw text.
            let response = try await server.post(
                "test [MASK]", contentType: "application/x-www-form-urlencoded")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text == #"{"text":"TEST [MASK]","tokens":4}"#)
        }
    }

    @Test("a JSON string input answers one output; parameters reach the pipeline")
    func jsonStringInput() async throws {
        try await withServer { server in
            let plain = try await server.postJSON(#"{"inputs": "héllo wörld"}"#)
            #expect(plain.text == #"{"text":"HÉLLO WÖRLD","tokens":4}"#)
            let shouted = try await server.postJSON(#"{"inputs": "hi", "parameters": {"shout": true}}"#)
            #expect(shouted.text == #"{"text":"HI!","tokens":3}"#)
            let withOptions = try await server.postJSON(
                #"{"inputs": "hi", "options": {"wait_for_model": true}}"#)
            #expect(withOptions.status == .ok)
        }
    }

    @Test("a structured input reaches the pipeline as an object, alone or in a list")
    func structuredInputs() async throws {
        try await withServer { server in
            let single = try await server.postJSON(#"{"inputs": {"text": "one two"}}"#)
            #expect(single.text == #"{"text":"ONE TWO","tokens":4}"#)
            let list = try await server.postJSON(#"{"inputs": [{"text": "x"}, "y"]}"#)
            #expect(
                list.text
                    == #"[{"text":"X","tokens":3,"in_list":true},{"text":"Y","tokens":3,"in_list":true}]"#)
        }
    }

    @Test("a list is answered as a list, in order, its items batched with each other")
    func listIsAnsweredAsList() async throws {
        let pipeline = FakePipeline()
        try await withServer(pipeline) { server in
            pipeline.hold()
            defer { pipeline.release() }  // also when an expectation throws: never leave a test hanging
            // A first request occupies the inference thread, so the list's items queue together.
            let first = Task { try await server.post("first") }
            try await waitUntil("first batch") { pipeline.isComputing }
            let list = Task { try await server.postJSON(#"{"inputs": ["a", "b c", "d"]}"#) }
            try await waitUntil("list queued") { try await queueDepth(server) == 3 }
            pipeline.release()
            #expect(try await first.value.status == .ok)
            let response = try await list.value
            #expect(response.status == .ok)
            #expect(
                response.text
                    == #"[{"text":"A","tokens":3,"in_list":true},{"text":"B C","tokens":4,"in_list":true},"#
                    + #"{"text":"D","tokens":3,"in_list":true}]"#)
            #expect(pipeline.batches.count == 2)
            #expect(Set(pipeline.batches[1]) == ["a", "b c", "d"])
        }
    }

    @Test("a list sent to an idle server is computed as one batch, in order")
    func listToAnIdleServerIsOneBatch() async throws {
        let pipeline = FakePipeline()
        try await withServer(pipeline) { server in
            let items = (0..<12).map { "item \($0)" }
            let body = #"{"inputs": ["# + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
            for round in 1...10 {
                let response = try await server.postJSON(body)
                #expect(response.status == .ok)
                // Its inputs are queued in one step: the inference thread never wakes to a part
                // of the list and computes the rest in a second batch.
                #expect(pipeline.batches.count == round)
                #expect(pipeline.batches.last == items)
            }
        }
    }

    @Test("bad JSON and invalid UTF-8 are 400 bad_request")
    func unparseableBodiesAre400() async throws {
        try await withServer { server in
            let badJSON = try await server.postJSON(#"{"inputs": "#)
            #expect(badJSON.status == .badRequest)
            #expect(badJSON.text.hasPrefix(#"{"error":"the request body is not valid JSON"#))
            #expect(badJSON.text.hasSuffix(#","error_type":"bad_request"}"#))

            var invalid = ByteBuffer(string: "test ")
            invalid.writeBytes([0xFF, 0xFE])
            let response = try await server.send(
                .post, "/", headers: [.contentType: "text/plain"], body: invalid)
            #expect(response.status == .badRequest)
            #expect(response.text == errorBody("bad_request", "the request body is not valid UTF-8"))
            #expect(server.pipeline.batches.isEmpty)
        }
    }

    @Test("empty input, bad shapes and bad parameters are 422 validation")
    func unusableInputsAre422() async throws {
        try await withServer { server in
            let cases: [(String, String, String)] = [
                ("", "text/plain", "the input is empty"),
                (#"{"inputs": ""}"#, "application/json", "the input is empty"),
                (#"{"inputs": ["a", ""]}"#, "application/json", "input 1 is empty"),
                (#"{"inputs": []}"#, "application/json", #"\"inputs\" is an empty list"#),
                (
                    #"{"inputs": ["a", 1]}"#, "application/json",
                    #"\"inputs\"[1] must be a string or an object"#
                ),
                (
                    #"{"inputs": 7}"#, "application/json",
                    #"\"inputs\" must be a string, an object, or a list of them"#
                ),
                (
                    #"{"inputs": {"txt": "a"}}"#, "application/json",
                    #"fake-task takes a string or {\"text\": ...}"#
                ),
                (
                    #"{"text": "a"}"#, "application/json",
                    #"unknown field \"text\" (accepted: inputs, parameters, options, priority, and feature extraction's normalize, prompt_name, truncate, truncation_direction)"#
                ),
                (#"{"parameters": {}}"#, "application/json", #"the JSON body has no \"inputs\""#),
                (
                    #"["a"]"#, "application/json",
                    #"the JSON body must be an object: {\"inputs\": ..., \"parameters\": {...}}"#
                ),
                (
                    #"{"inputs": "a", "parameters": 3}"#, "application/json",
                    #"\"parameters\" must be an object"#
                ),
                (
                    #"{"inputs": "a", "parameters": {"top_k": 3}}"#, "application/json",
                    #"unknown parameter \"top_k\" (accepted: shout)"#
                ),
                ("reject me", "text/plain", "this input is rejected"),
            ]
            for (body, contentType, message) in cases {
                let response = try await server.post(body, contentType: contentType)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(response.text == errorBody("validation", message), "\(body)")
            }
            #expect(server.pipeline.batches.isEmpty)
        }
    }

    @Test("a body over the limit and a list over max-inputs are 413 payload_too_large")
    func oversizedRequestsAre413() async throws {
        let configuration = ServerConfiguration(maxBodyBytes: 64, maxInputs: 3)
        try await withServer(configuration: configuration) { server in
            let big = try await server.post(String(repeating: "a ", count: 40))
            #expect(big.status == .contentTooLarge)
            #expect(big.text == errorBody("payload_too_large", "the request body is over 64 bytes"))

            let many = try await server.postJSON(#"{"inputs": ["a", "b", "c", "d"]}"#)
            #expect(many.status == .contentTooLarge)
            #expect(
                many.text
                    == errorBody("payload_too_large", #"\"inputs\" has 4 items; this server takes at most 3"#)
            )

            // The connection-level limit did not break the server.
            #expect(try await server.post("fine").status == .ok)
            #expect(server.pipeline.computedTexts == ["fine"])
        }
    }

    @Test("a list longer than the queue is 413, since its inputs are admitted together")
    func listLongerThanTheQueueIs413() async throws {
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(maxQueue: 2), maxInputs: 256)
        try await withServer(configuration: configuration) { server in
            let many = try await server.postJSON(#"{"inputs": ["a", "b", "c"]}"#)
            #expect(many.status == .contentTooLarge)
            #expect(
                many.text
                    == errorBody("payload_too_large", #"\"inputs\" has 3 items; this server takes at most 2"#)
            )
            #expect(try await server.postJSON(#"{"inputs": ["a", "b"]}"#).status == .ok)
            let info = try await server.request(.get, "/info").text
            #expect(info.contains(#""max_inputs":2"#))
        }
    }

    @Test("a request's priority orders the queue: lower first, the running batch untouched")
    func priorityOrdersTheQueue() async throws {
        let pipeline = FakePipeline()
        let configuration = ServerConfiguration(
            scheduler: SchedulerConfiguration(maxBatchSize: 1, maxRefillWait: .zero))
        try await withServer(pipeline, configuration: configuration) { server in
            pipeline.hold()
            defer { pipeline.release() }
            let first = Task { try await server.post("first") }
            try await waitUntil("first computing") { pipeline.isComputing }
            let low = Task { try await server.postJSON(#"{"inputs": "low", "priority": 5}"#) }
            try await waitUntil("low queued") { try await queueDepth(server) == 1 }
            let normal = Task { try await server.postJSON(#"{"inputs": "normal"}"#) }
            try await waitUntil("normal queued") { try await queueDepth(server) == 2 }
            let urgent = Task { try await server.postJSON(#"{"inputs": "urgent", "priority": -1}"#) }
            try await waitUntil("urgent queued") { try await queueDepth(server) == 3 }
            pipeline.release()
            for task in [first, low, normal, urgent] { #expect(try await task.value.status == .ok) }
            #expect(pipeline.batches == [["first"], ["urgent"], ["normal"], ["low"]])

            let wrong = try await server.postJSON(#"{"inputs": "x", "priority": "high"}"#)
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text == errorBody("validation", #"\"priority\" must be an integer"#))
        }
    }

    @Test("an engine failure is 500 internal without internals; verbose errors say more")
    func internalErrorsHideInternals() async throws {
        try await withServer { server in
            let response = try await server.post("crash")
            #expect(response.status == .internalServerError)
            #expect(response.text == errorBody("internal", "internal error"))
        }
        try await withServer(configuration: ServerConfiguration(verboseErrors: true)) { server in
            let response = try await server.post("crash")
            #expect(response.status == .internalServerError)
            #expect(response.text.contains("kernel failed in /secret/internal/path.swift"))
        }
    }

    @Test("unknown routes answer 404 and known paths asked with another method 405 with Allow, as JSON")
    func unknownRoutesAnswerJSON() async throws {
        try await withServer { server in
            let missing = try await server.request(.get, "/nope")
            #expect(missing.status == .notFound)
            #expect(missing.text == errorBody("not_found", "no such route"))
            #expect(missing.headers[.allow] == nil)
            for (method, path, allowed) in [
                (HTTPRequest.Method.delete, "/", "POST, GET, HEAD"), (.post, "/health", "GET, HEAD"),
                (.put, "/metrics", "GET, HEAD"),
                (.get, "/embed", "POST"), (.get, "/v1/embeddings", "POST"),
                (.delete, "/v2/models/m/infer", "GET, HEAD, POST"),
                (.patch, "/models/m", "POST, GET, HEAD"), (.post, "/health/", "GET, HEAD"),
            ] {
                let answer = try await server.request(method, path)
                #expect(answer.status == .methodNotAllowed, "\(method) \(path)")
                #expect(answer.headers[.allow] == allowed, "\(method) \(path)")
                #expect(answer.headers[.contentType] == "application/json")
                #expect(
                    answer.text.contains(
                        "method \(method.rawValue) is not allowed on this route (allowed: \(allowed))"))
            }
            // The dialect's error shape: TEI's `error_type`, OpenAI's `error.type`.
            #expect(try await server.request(.get, "/embed").text.hasSuffix(#""error_type":"Validation"}"#))
            #expect(
                try await server.request(.get, "/v1/embeddings").text.contains(
                    #""type":"invalid_request_error""#))
        }
    }
}

/// `sluice_queue_depth` as `/metrics` reports it.
func queueDepth(_ server: TestServer) async throws -> Int {
    let text = try await server.request(.get, "/metrics").text
    return Int(metricValue(text, "sluice_queue_depth") ?? -1)
}
