"""The aggregation API: start one (`projects` scope) and read the latest results (`read`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from coop.core.api import ERROR, ERRORS, validated
from coop.core.errors import NotFound
from coop.federation.access import Scope
from tasks.access import staff_of_project
from tasks.models import Project
from tasks.quality import selectors, services
from tasks.quality.models import AggregationRun


def _project(request, pk):
    project = Project.objects.select_related("organisation").filter(pk=pk).first()
    if project is None:
        raise NotFound()
    staff_of_project(user=request.user, project=project)
    return project


class AggregationRunSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = AggregationRun
        fields = ["id", "method", "trigger", "status", "percent", "tasks", "answers", "created_at", "finished_at"]


class AggregationRunInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=AggregationRun.Method.choices, default=AggregationRun.Method.DAWID_SKENE)


class AggregationResultSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    field = serializers.CharField()
    answer = serializers.JSONField()
    confidence = serializers.FloatField(allow_null=True)
    agreement = serializers.FloatField()
    answers = serializers.IntegerField()


class AggregationSerializer(serializers.Serializer):
    run = AggregationRunSerializer(allow_null=True)
    results = AggregationResultSerializer(many=True)


class AggregationApi(APIView):
    required_scope = {"GET": Scope.READ, "POST": Scope.PROJECTS}

    @extend_schema(operation_id="aggregation_latest", responses={200: AggregationSerializer, 404: ERROR},
                   summary="The latest finished aggregation of a project, per task and field")
    def get(self, request, pk):
        project = _project(request, pk)
        run = selectors.run_latest_done(project=project)
        results = [{"task": task.pk, "field": name, "answer": r.answer, "confidence": r.confidence,
                    "agreement": r.agreement, "answers": r.answers}
                   for task, by_field in (selectors.run_results(run=run) if run else [])
                   for name, r in by_field.items()]
        return Response(AggregationSerializer({"run": run, "results": results}).data)

    @extend_schema(operation_id="aggregation_start", request=AggregationRunInputSerializer,
                   responses={202: AggregationRunSerializer, **ERRORS},
                   summary="Aggregate the project's answers now (a job; poll GET for the result)")
    def post(self, request, pk):
        project = _project(request, pk)
        data = validated(AggregationRunInputSerializer, request.data)
        run = services.aggregation_request(actor=request.user, project=project, method=data["method"])
        return Response(AggregationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class GoldSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    expected = serializers.JSONField()
    explanation = serializers.CharField()
    created_at = serializers.DateTimeField(read_only=True)


class GoldInputSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    expected = serializers.JSONField(help_text="The expected answer: {field name: value}, checked against the form.")
    explanation = serializers.CharField(max_length=4000)


class GoldListApi(APIView):
    required_scope = {"GET": Scope.READ, "POST": Scope.PROJECTS}

    @extend_schema(operation_id="gold_list", responses={200: GoldSerializer(many=True), 404: ERROR})
    def get(self, request, pk):
        return Response(GoldSerializer(selectors.gold_of_project(project=_project(request, pk)), many=True).data)

    @extend_schema(operation_id="gold_set", request=GoldInputSerializer, responses={201: GoldSerializer, **ERRORS},
                   summary="Mark a task gold with its expected answer (errors name the field path)")
    def post(self, request, pk):
        project = _project(request, pk)
        data = validated(GoldInputSerializer, request.data)
        task = project.tasks.filter(pk=data["task"]).first()
        if task is None:
            raise NotFound(extra={"field": "task"})
        gold = services.gold_set(actor=request.user, task=task, expected=data["expected"],
                                 explanation=data["explanation"])
        return Response(GoldSerializer(gold).data, status=status.HTTP_201_CREATED)
