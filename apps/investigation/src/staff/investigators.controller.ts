import { Body, Controller, Get, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { Allow, AuthenticatedRequest, ProblemException } from '@complaints/platform';

const STAFF_ID = /^[A-Za-z0-9._@-]{1,200}$/;

export class InvestigatorDto {
  @ApiProperty({ example: 'staff-0042' })
  @Matches(STAFF_ID, { message: 'staffId must be a staff id' })
  staffId!: string;

  @ApiProperty({ example: 'operations' })
  @Matches(/^[a-z][a-z0-9-]{0,59}$/, { message: 'department must be a department code' })
  department!: string;

  @ApiProperty({ type: [String], example: ['B05', 'general'], description: 'Product or category codes the investigator knows (at least one; `general` for none in particular)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(/^[A-Za-z0-9._-]{1,60}$/, { each: true, message: 'each skill must be a code' })
  skills!: string[];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @Matches(STAFF_ID, { message: 'lineManager must be a staff id' })
  lineManager?: string | null;

  @ApiProperty({ description: 'Open cases the investigator can carry' })
  @IsInt()
  @Min(0)
  @Max(1000)
  capacity!: number;

  @ApiProperty()
  @IsBoolean()
  active!: boolean;
}

/** The directory assignment reads: department, skills, line manager (for 回避) and capacity. */
@ApiTags('investigators')
@Controller('v1/investigators')
export class InvestigatorsController {
  constructor(private readonly dataSource: DataSource) {}

  @Put()
  @Allow('administrator')
  @ApiOperation({ summary: 'Add or update an investigator in the directory (by staffId)' })
  async upsert(@Body() dto: InvestigatorDto, @Req() request: AuthenticatedRequest) {
    const staffId = dto.staffId;
    if (dto.lineManager === staffId) throw new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, errors: [{ path: 'lineManager', message: 'nobody is their own line manager' }] });
    await this.dataSource.query(
      `INSERT INTO investigators (staff_id, department, skills, line_manager, capacity, active, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (staff_id) DO UPDATE SET department = EXCLUDED.department, skills = EXCLUDED.skills, line_manager = EXCLUDED.line_manager,
         capacity = EXCLUDED.capacity, active = EXCLUDED.active, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [staffId, dto.department, dto.skills, dto.lineManager ?? null, dto.capacity, dto.active, request.principal!.subject],
    );
    return { ...dto, lineManager: dto.lineManager ?? null };
  }

  @Get()
  @Allow('administrator', 'approver', 'triage-officer', 'investigator')
  @ApiOperation({ summary: 'The directory with each investigator’s open workload' })
  @ApiQuery({ name: 'department', required: false })
  list(@Query('department') department?: string) {
    return this.dataSource.query(
      `SELECT i.staff_id AS "staffId", i.department, i.skills, i.line_manager AS "lineManager", i.capacity, i.active,
              (SELECT count(*)::int FROM cases c WHERE c.assigned_to = i.staff_id AND c.status IN ('investigating', 'awaiting-approval')) AS "openCases"
         FROM investigators i WHERE ($1::text IS NULL OR i.department = $1) ORDER BY i.department, i.staff_id`,
      [department ?? null],
    );
  }
}
